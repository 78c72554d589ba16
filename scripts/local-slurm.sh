#!/usr/bin/env bash
# Real Slurm clusters on this machine, for the Slurm backend's tests and for trying Arbiter
# against Slurm: two clusters, `primary` and `rival` (two providers), each a slurmctld and several
# slurmd (one per node, all on this host), with GPU gres backed by plain files and one munged with
# a generated key. Everything (configs, state, spool, logs, pid files, the munge key and socket)
# lives under one directory: $ARBITER_SLURM_DIR, default build/slurm in the repository.
#
#   bash scripts/local-slurm.sh up               # start whatever is not running; wait until idle
#   bash scripts/local-slurm.sh status           # each daemon and each cluster's nodes; 1 if not all up
#   bash scripts/local-slurm.sh down             # stop everything and forget the clusters' jobs
#   bash scripts/local-slurm.sh env CLUSTER      # prints `export SLURM_CONF=...` for that cluster
#   bash scripts/local-slurm.sh stop-controller CLUSTER   # stop one slurmctld (`up` restarts it)
#   bash scripts/local-slurm.sh stop-node CLUSTER NODE    # kill one slurmd (`up` restarts it)
#
# `up` and `down` are idempotent and safe to run twice. `up` installs nothing: run
# `bash scripts/setup.sh --slurm` first (the test command does). Non-interactive.
#
# Settings (environment): ARBITER_SLURM_DIR (the directory), ARBITER_SLURM_NODES (nodes per
# cluster, default 4), ARBITER_SLURM_GPUS (GPUs per node, default 4), ARBITER_SLURM_PORT_BASE
# (default: derived from the directory, so that clusters of two checkouts do not collide; each
# cluster takes 50 ports from it). Ports in use by something else are an error, never a takeover.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${ARBITER_SLURM_DIR:-$root/build/slurm}"
nodes_per_cluster="${ARBITER_SLURM_NODES:-4}"
gpus_per_node="${ARBITER_SLURM_GPUS:-4}"
clusters=(primary rival)

die() { echo "local-slurm.sh: $*" >&2; exit 1; }

case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
[[ "$nodes_per_cluster" =~ ^[1-9][0-9]?$ ]] || die "ARBITER_SLURM_NODES must be 1..99, not '$nodes_per_cluster'"
[[ "$gpus_per_node" =~ ^[0-9]$ ]] || die "ARBITER_SLURM_GPUS must be 0..9, not '$gpus_per_node'"
if [ -n "${ARBITER_SLURM_PORT_BASE:-}" ]; then
  port_base="$ARBITER_SLURM_PORT_BASE"
  [[ "$port_base" =~ ^[0-9]+$ ]] && [ "$port_base" -ge 1024 ] && [ "$port_base" -le 65000 ] ||
    die "ARBITER_SLURM_PORT_BASE must be a number in 1024..65000, not '$port_base'"
else
  # 20000..31900 in steps of 100, below Linux's ephemeral ports (32768 and up).
  port_base=$((20000 + ($(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 120) * 100))
fi

ctld_port() { # CLUSTER
  local i
  for i in "${!clusters[@]}"; do
    [ "${clusters[$i]}" = "$1" ] && { echo $((port_base + 50 * i)); return; }
  done
  die "unknown cluster '$1' (known: ${clusters[*]})"
}
node_names() { # CLUSTER
  local n
  for ((n = 1; n <= nodes_per_cluster; n++)); do echo "$1$n"; done
}
node_port() { echo $(($(ctld_port "$1") + ${2#"$1"})); } # CLUSTER NODE

host="$(hostname -s)"
user="$(id -un)"
munge_dir="$dir/munge"
munge_socket="$munge_dir/munge.socket"

# Whether process PID runs. A zombie does not: daemons are children of PID 1, which in some
# containers never reaps them.
alive() { # PID
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat:0:1}" != Z ]
}

# The pid in FILE if that process is alive and runs PROGRAM (a reused pid is not ours).
live_pid() { # FILE PROGRAM
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

# Stops the process in FILE (running PROGRAM): SIGTERM, then SIGKILL after 10 s.
stop_pid() { # FILE PROGRAM
  local pid i
  pid="$(live_pid "$1" "$2")" || { rm -f "$1"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$1"
}

port_busy() { # PORT
  # /proc/net/tcp lists local addresses as hex ip:port; state 0A is LISTEN.
  local hex
  hex="$(printf '%04X' "$1")"
  awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

need_tools() {
  local t missing=()
  for t in munged mungekey slurmctld slurmd sinfo scontrol; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run 'bash scripts/setup.sh --slurm' first"
}

start_munge() {
  mkdir -p "$munge_dir"
  chmod 0700 "$munge_dir"
  if live_pid "$munge_dir/munged.pid" munged >/dev/null; then return 0; fi
  if [ ! -s "$munge_dir/munge.key" ]; then
    mungekey --create --keyfile="$munge_dir/munge.key" >/dev/null
  fi
  chmod 0600 "$munge_dir/munge.key"
  rm -f "$munge_socket" "$munge_socket.lock"
  # --force: the repository's directories may be group-writable; the key and socket directory are
  # not, and nothing outside this directory uses this munged.
  munged --force --socket="$munge_socket" --key-file="$munge_dir/munge.key" \
    --pid-file="$munge_dir/munged.pid" --log-file="$munge_dir/munged.log" \
    --seed-file="$munge_dir/munged.seed" ||
    die "munged did not start; see $munge_dir/munged.log"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$munge_socket" ] && return 0
    sleep 0.1
  done
  die "munged did not open $munge_socket; see $munge_dir/munged.log"
}

write_config() { # CLUSTER
  local c="$1" cdir="$dir/$1" port node gpus=""
  port="$(ctld_port "$c")"
  mkdir -p "$cdir/state" "$cdir/log" "$cdir/run" "$cdir/gpus"
  chmod 0755 "$cdir" "$cdir/state"
  [ "$gpus_per_node" -gt 0 ] && gpus=" Gres=gpu:$gpus_per_node"
  local cpus=$((gpus_per_node * 2))
  [ "$cpus" -ge 2 ] || cpus=2
  {
    echo "# Written by scripts/local-slurm.sh; rewritten by every 'up'."
    echo "ClusterName=$c"
    echo "SlurmctldHost=$host(127.0.0.1)"
    echo "SlurmctldPort=$port"
    echo "SlurmdPort=$((port + 1))"
    echo "SlurmUser=$user"
    echo "SlurmdUser=$user"
    echo "AuthType=auth/munge"
    echo "AuthInfo=socket=$munge_socket"
    echo "CredType=cred/munge"
    echo "StateSaveLocation=$cdir/state"
    echo "SlurmdSpoolDir=$cdir/spool/%n"
    echo "SlurmctldPidFile=$cdir/run/slurmctld.pid"
    echo "SlurmdPidFile=$cdir/run/slurmd-%n.pid"
    echo "SlurmctldLogFile=$cdir/log/slurmctld.log"
    echo "SlurmdLogFile=$cdir/log/slurmd-%n.log"
    echo "SlurmctldDebug=info"
    echo "SlurmdDebug=info"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "MpiDefault=none"
    echo "SwitchType=switch/none"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "SchedulerType=sched/backfill"
    # Schedule each batch job when it is submitted (Slurm's default may wait up to 3 s to batch
    # them, which a cluster of four nodes does not need).
    echo "SchedulerParameters=batch_sched_delay=0"
    echo "GresTypes=gpu"
    echo "AccountingStorageType=accounting_storage/none"
    echo "JobAcctGatherType=jobacct_gather/none"
    echo "JobCompType=jobcomp/none"
    # Ended jobs stay known (state, exit code) for an hour: the backend reads them from squeue.
    echo "MinJobAge=3600"
    # A node whose slurmd stops answering is DOWN after 20 s (its jobs end as NODE_FAIL); a node
    # that registers again returns to service.
    echo "SlurmdTimeout=20"
    echo "ReturnToService=2"
    # Each node claims two CPUs per GPU (at least 2), whatever this machine has, so that jobs of
    # one GPU per node can share a node as on a real GPU cluster.
    echo "SlurmdParameters=config_overrides"
    echo "KillWait=5"
    echo "InactiveLimit=0"
    echo "MessageTimeout=5"
    for node in $(node_names "$c"); do
      echo "NodeName=$node NodeHostname=$host NodeAddr=127.0.0.1 Port=$(node_port "$c" "$node") CPUs=$cpus$gpus State=UNKNOWN"
    done
    echo "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
  } >"$cdir/slurm.conf.new"
  mv "$cdir/slurm.conf.new" "$cdir/slurm.conf"
  {
    echo "# Written by scripts/local-slurm.sh: each node's GPUs are plain files."
    for node in $(node_names "$c"); do
      [ "$gpus_per_node" -gt 0 ] || continue
      mkdir -p "$cdir/gpus/$node"
      local g
      for ((g = 0; g < gpus_per_node; g++)); do
        # A character device (the null device's numbers) where this machine allows one, so that
        # Slurm treats it as a GPU device and sets CUDA_VISIBLE_DEVICES; else a plain file.
        [ -e "$cdir/gpus/$node/gpu$g" ] || mknod "$cdir/gpus/$node/gpu$g" c 1 3 2>/dev/null ||
          : >>"$cdir/gpus/$node/gpu$g"
      done
      echo "NodeName=$node Name=gpu File=$cdir/gpus/$node/gpu[0-$((gpus_per_node - 1))]"
    done
  } >"$cdir/gres.conf"
  echo "ConstrainDevices=no" >"$cdir/cgroup.conf"
}

start_cluster() { # CLUSTER
  local c="$1" cdir="$dir/$1" node port
  export SLURM_CONF="$cdir/slurm.conf"
  if ! live_pid "$cdir/run/slurmctld.pid" slurmctld >/dev/null; then
    port="$(ctld_port "$c")"
    port_busy "$port" && die "port $port (slurmctld of $c) is in use by another program; set ARBITER_SLURM_PORT_BASE"
    rm -f "$cdir/run/slurmctld.pid"
    slurmctld -L "$cdir/log/slurmctld.log" || die "slurmctld of $c did not start; see $cdir/log/slurmctld.log"
  fi
  for node in $(node_names "$c"); do
    live_pid "$cdir/run/slurmd-$node.pid" "slurmd" >/dev/null && continue
    port="$(node_port "$c" "$node")"
    port_busy "$port" && die "port $port (slurmd $node of $c) is in use by another program; set ARBITER_SLURM_PORT_BASE"
    mkdir -p "$cdir/spool/$node"
    rm -f "$cdir/run/slurmd-$node.pid"
    slurmd -N "$node" -L "$cdir/log/slurmd-$node.log" ||
      die "slurmd $node of $c did not start; see $cdir/log/slurmd-$node.log"
  done
}

# Waits until the cluster's controller answers and every node is up (idle, mixed or allocated;
# not down, drained or unknown). Nodes a test took down stay down until `up` brings them back.
wait_cluster() { # CLUSTER
  local c="$1" i states
  export SLURM_CONF="$dir/$c/slurm.conf"
  for ((i = 0; i < 300; i++)); do
    if states="$(sinfo -h -N -o '%N %t' 2>/dev/null)" && [ -n "$states" ]; then
      # A node marked down only by being unreachable returns by itself (ReturnToService=2) once its
      # slurmd registers; one taken down or drained on purpose is resumed by `up`.
      if ! grep -qvE ' (idle|mix|alloc|comp)$' <<<"$states"; then return 0; fi
      local node state
      while read -r node state; do
        case "$state" in
        drain* | drng | down* | fail*)
          scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
        esac
      done <<<"$states"
    fi
    sleep 0.2
  done
  echo "local-slurm.sh: cluster $c is not up after 60 s:" >&2
  sinfo -N 2>&1 | sed 's/^/  /' >&2 || true
  die "see the logs in $dir/$c/log"
}

cmd_up() {
  need_tools
  mkdir -p "$dir"
  start_munge
  local c
  for c in "${clusters[@]}"; do
    if ! live_pid "$dir/$c/run/slurmctld.pid" slurmctld >/dev/null; then write_config "$c"; fi
    start_cluster "$c"
  done
  for c in "${clusters[@]}"; do wait_cluster "$c"; done
  for c in "${clusters[@]}"; do
    echo "local-slurm.sh: $c is up: $nodes_per_cluster nodes x $gpus_per_node GPUs, SLURM_CONF=$dir/$c/slurm.conf"
  done
}

cmd_down() {
  local c node
  for c in "${clusters[@]}"; do
    [ -d "$dir/$c" ] || continue
    for node in $(node_names "$c"); do stop_pid "$dir/$c/run/slurmd-$node.pid" slurmd; done
    # Any slurmd of an earlier node count.
    for f in "$dir/$c"/run/slurmd-*.pid; do [ -e "$f" ] && stop_pid "$f" slurmd; done
    stop_pid "$dir/$c/run/slurmctld.pid" slurmctld
    # Forget the jobs: the next `up` starts with empty clusters.
    rm -rf "$dir/$c/state" "$dir/$c/spool"
  done
  stop_pid "$munge_dir/munged.pid" munged
  echo "local-slurm.sh: stopped (logs stay in $dir)"
}

cmd_status() {
  local c node ok=0 pid
  if pid="$(live_pid "$munge_dir/munged.pid" munged)"; then echo "munged        running (pid $pid)"; else
    echo "munged        stopped"; ok=1
  fi
  for c in "${clusters[@]}"; do
    if pid="$(live_pid "$dir/$c/run/slurmctld.pid" slurmctld)"; then
      echo "$c slurmctld  running (pid $pid, port $(ctld_port "$c"))"
    else
      echo "$c slurmctld  stopped"; ok=1
    fi
    for node in $(node_names "$c"); do
      if pid="$(live_pid "$dir/$c/run/slurmd-$node.pid" slurmd)"; then
        echo "$c slurmd $node  running (pid $pid, port $(node_port "$c" "$node"))"
      else
        echo "$c slurmd $node  stopped"; ok=1
      fi
    done
    if [ -f "$dir/$c/slurm.conf" ] && command -v sinfo >/dev/null 2>&1; then
      SLURM_CONF="$dir/$c/slurm.conf" sinfo -N -o '  %N %t %G' 2>&1 | sed "s/^/  /" || ok=1
    fi
  done
  return $ok
}

action="${1:-}"
case "$action" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env)
  [ $# -eq 2 ] || die "usage: local-slurm.sh env CLUSTER"
  ctld_port "$2" >/dev/null
  echo "export SLURM_CONF=$dir/$2/slurm.conf"
  ;;
stop-controller)
  [ $# -eq 2 ] || die "usage: local-slurm.sh stop-controller CLUSTER"
  ctld_port "$2" >/dev/null
  stop_pid "$dir/$2/run/slurmctld.pid" slurmctld
  ;;
stop-node)
  [ $# -eq 3 ] || die "usage: local-slurm.sh stop-node CLUSTER NODE"
  ctld_port "$2" >/dev/null
  grep -qx -- "$3" <(node_names "$2") || die "unknown node '$3' of $2 (known: $(node_names "$2" | tr '\n' ' '))"
  stop_pid "$dir/$2/run/slurmd-$3.pid" slurmd
  ;;
*) die "usage: local-slurm.sh up|down|status|env CLUSTER|stop-controller CLUSTER|stop-node CLUSTER NODE" ;;
esac
