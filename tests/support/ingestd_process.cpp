#include "tests/support/ingestd_process.hpp"

#include <sys/wait.h>

#include <csignal>
#include <cstdio>

namespace ingestd::testing {

ProcessResult RunIngestdProcess(const std::string& ingestd, const std::string& spec,
                                const std::string& data_dir, const std::string& environment) {
  std::string command = environment.empty() ? "" : environment + " ";
  command += "exec '" + ingestd + "' run '" + spec + "' --data-dir '" + data_dir + "' 2>&1";
  ProcessResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.killed_by_sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace ingestd::testing
