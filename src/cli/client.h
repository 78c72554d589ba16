// The arbiter commands that talk to a running daemon (`arbiter serve`) through its API: submit,
// status, queue, logs, cancel, cost, pools. Tables for people; --json prints the API's JSON for
// scripts. Each returns the exit code: 0 success, 1 the daemon could not be reached or failed,
// 2 bad input or usage (including what the daemon refused as bad input), 3 the token was refused.
//
// Where the daemon is and which token to present, first found wins:
//   1. --server URL, --token TOKEN / --token-file FILE
//   2. the environment: ARBITER_SERVER, ARBITER_TOKEN (or ARBITER_TOKEN_FILE)
//   3. a config file: $ARBITER_CONFIG, else ~/.config/arbiter/client.conf, with lines
//      "server: URL", "token: TOKEN" or "token_file: FILE" (# starts a comment)
//   4. the server defaults to http://127.0.0.1:8470; there is no default token.
#ifndef ARBITER_CLI_CLIENT_H_
#define ARBITER_CLI_CLIENT_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace arbiter {

struct ClientArgs {
  std::string server;
  std::string token;
  std::string token_file;
  bool json = false;
};

int ClientSubmit(const ClientArgs& args, const std::string& job_file,
                 const std::string& idempotency_key, std::FILE* out, std::FILE* err);
// One job (with its history), or every job the token may see.
int ClientStatus(const ClientArgs& args, std::optional<int64_t> job, std::FILE* out,
                 std::FILE* err);
// Jobs waiting or being launched, in submission order.
int ClientQueue(const ClientArgs& args, std::FILE* out, std::FILE* err);
// A node's log of the job's latest run (or of `attempt`); --follow prints what is appended until
// the job ends.
int ClientLogs(const ClientArgs& args, int64_t job, int32_t node, int64_t attempt, bool follow,
               std::FILE* out, std::FILE* err);
int ClientCancel(const ClientArgs& args, int64_t job, std::FILE* out, std::FILE* err);
int ClientCost(const ClientArgs& args, const std::string& tenant, std::FILE* out, std::FILE* err);
int ClientPools(const ClientArgs& args, std::FILE* out, std::FILE* err);

}  // namespace arbiter

#endif  // ARBITER_CLI_CLIENT_H_
