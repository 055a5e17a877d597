#include "sidecar/receipts/receipt_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

#include "policy/quote.h"
#include "sidecar/receipts/log_tail.h"

namespace warden::sidecar {
namespace {

// Beyond this a batch is no faster, and open() reserves room for one batch up front.
constexpr std::size_t kMaxBatchLimit = 64 * 1024;

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Closes a descriptor on the error paths of open().
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Writes everything: write() may be short (signals, quotas) and O_APPEND puts every piece at the end.
bool writeAll(int fd, const std::string& data, std::string* error) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = errnoText("write failed");
      return false;
    }
    if (n == 0) {
      *error = "write failed: wrote nothing";
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

bool syncData(int fd, std::string* error) {
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    *error = errnoText("fdatasync failed");
    return false;
  }
  return true;
}

// A newly created file is only durable once its directory entry is: fsync the directory.
bool syncDirectory(const std::string& directory, std::string* error) {
  const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) {
    *error = errnoText(("cannot open directory " + policy::quoteForMessage(directory)).c_str());
    return false;
  }
  FdCloser closer(dirFd);
  if (::fsync(dirFd) < 0) {
    *error = errnoText(("fsync of directory " + policy::quoteForMessage(directory) + " failed").c_str());
    return false;
  }
  return true;
}

void notify(const ReceiptLog::Callback& done, AppendResult result) noexcept {
  if (!done) return;
  try {
    done(result);
  } catch (...) {
    // A throwing callback must not take the writer thread (and every later receipt) down with it.
  }
}

void failNow(ReceiptLog::Callback& done, const char* why) noexcept {
  if (!done) return;
  try {
    AppendResult result;
    result.error = why;
    done(result);
  } catch (...) {
    // Out of memory or a throwing callback: there is nobody left to tell.
  }
}

// Chains `count` inputs after (seq, prev), the one implementation for both modes: returns the lines to write and
// fills each input's result (a receipt that cannot be built or is too large is refused and skipped, its call fails
// closed). Advances seq and prev past the chained receipts.
template <typename InputAt>
std::string chainLines(std::size_t count, InputAt inputAt, const std::string& logName, std::uint64_t& seq,
                       std::string& prev, std::vector<AppendResult>& results) {
  std::string lines;
  for (std::size_t i = 0; i < count; ++i) {
    ReceiptLine built;
    try {
      built = buildReceiptLine(inputAt(i), seq + 1, prev);
    } catch (const std::exception& e) {
      results[i].error = logName + ": cannot build the receipt: " + e.what();
      continue;
    }
    if (built.text.size() > kMaxReceiptLineBytes) {
      // Readers bound what they buffer per line; such a receipt is refused (and its call fails closed).
      results[i].error = logName + ": a receipt of " + std::to_string(built.text.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxReceiptLineBytes);
      continue;
    }
    lines += built.text;
    lines += '\n';
    seq = built.receipt.seq;
    prev = built.receipt.hash;
    results[i].ok = true;
    results[i].seq = built.receipt.seq;
    results[i].hash = std::move(built.receipt.hash);
  }
  return lines;
}

// The chained receipts were not recorded after all: each fails with `error`.
void failChained(std::vector<AppendResult>& results, const std::string& error) {
  for (auto& result : results) {
    if (!result.ok) continue;
    result = AppendResult{};
    result.error = error;
  }
}

void failStopped(std::vector<AppendResult>& results, const std::string& logName, const std::string& failure) {
  for (auto& result : results) {
    result.error = logName + " stopped after an earlier failure (" + failure + "); it must be reopened";
  }
}

}  // namespace

const char* toString(ReceiptSync sync) { return sync == ReceiptSync::Interval ? "interval" : "decision"; }

std::optional<ReceiptSync> parseReceiptSync(const std::string& name) {
  if (name == "decision") return ReceiptSync::Decision;
  if (name == "interval") return ReceiptSync::Interval;
  return std::nullopt;
}

std::unique_ptr<ReceiptLog> ReceiptLog::open(ReceiptLogOptions options, std::string* error) {
  std::string name = "receipt log";
  try {
    name += " " + policy::quoteForMessage(options.path);
    if (options.path.empty()) {
      *error = "receipt log: no path given";
      return nullptr;
    }
    if (options.maxBatch == 0 || options.maxBatch > kMaxBatchLimit) {
      *error = name + ": maxBatch must be between 1 and " + std::to_string(kMaxBatchLimit);
      return nullptr;
    }
    if (options.sync == ReceiptSync::Interval &&
        (options.syncInterval.count() <= 0 || options.syncInterval > kMaxReceiptSyncInterval)) {
      *error = name + ": the sync interval must be above 0 and at most 10s";
      return nullptr;
    }
    std::string directory = std::filesystem::path(options.path).parent_path().string();
    if (directory.empty()) directory = ".";

    const int rawFd = ::open(options.path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (rawFd < 0) {
      const int openErrno = errno;
      struct stat dirStat {};
      if (openErrno == ENOENT && (::stat(directory.c_str(), &dirStat) < 0 || !S_ISDIR(dirStat.st_mode))) {
        *error = name + ": directory " + policy::quoteForMessage(directory) + " does not exist";
      } else {
        *error = name + ": cannot open: " + std::strerror(openErrno);
      }
      return nullptr;
    }
    FdCloser closer(rawFd);
    struct stat st {};
    if (::fstat(rawFd, &st) < 0) {
      *error = name + ": " + errnoText("fstat failed");
      return nullptr;
    }
    if (!S_ISREG(st.st_mode)) {
      *error = name + ": not a regular file";
      return nullptr;
    }
    // Two writers would interleave two chains; the lock goes away with the descriptor (also on a crash).
    if (::flock(rawFd, LOCK_EX | LOCK_NB) < 0) {
      *error =
          errno == EWOULDBLOCK ? name + ": in use by another writer (flock)" : name + ": " + errnoText("flock failed");
      return nullptr;
    }
    std::string why;
    if (!syncDirectory(directory, &why)) {
      *error = name + ": " + why;
      return nullptr;
    }

    std::uint64_t lastSeq = 0;
    std::string lastHash(kGenesisHash);
    const auto tail = readLogTail(rawFd, static_cast<std::uint64_t>(st.st_size), &why);
    if (!tail) {
      *error = name + " is damaged: " + why + "; check it with `wardenctl receipts verify` and move it aside";
      return nullptr;
    }
    if (tail->lastLine) {
      // Never continue a chain whose end does not verify: the new receipts would vouch for a broken history.
      const auto receipt = parseReceipt(*tail->lastLine, &why);
      if (receipt) why = checkReceiptIntegrity(*receipt, *tail->lastLine);
      if (!why.empty()) {
        *error = name + " is damaged: its last receipt does not verify (" + why +
                 "); check it with `wardenctl receipts verify` and move it aside";
        return nullptr;
      }
      lastSeq = receipt->seq;
      lastHash = receipt->hash;
    }
    std::string recoveryLine;
    if (!tail->torn.empty()) {
      // An unacknowledged write was cut short. Terminate it and record exactly which bytes it left, so that the
      // verifier accepts this torn line and nothing else. One write keeps the two together; should even that be
      // cut short, the next open finds a last line that does not verify and refuses (fails closed).
      const ReceiptLine recovery =
          buildReceiptLine(makeRecoveryInput(std::chrono::system_clock::now(), tail->torn), lastSeq + 1, lastHash);
      recoveryLine = recovery.text + "\n";
      if (!writeAll(rawFd, "\n" + recoveryLine, &why) || !syncData(rawFd, &why)) {
        *error = name + ": recording its torn last line failed: " + why;
        return nullptr;
      }
      lastSeq = recovery.receipt.seq;
      lastHash = recovery.receipt.hash;
    }

    std::unique_ptr<ReceiptLog> log(new ReceiptLog(std::move(options), rawFd, lastSeq, std::move(lastHash)));
    closer.release();
    if (!recoveryLine.empty()) log->mirror(recoveryLine);
    if (log->appendsInline()) {
      log->writer_ = std::thread([raw = log.get()] { raw->runSyncer(); });
    } else {
      log->writer_ = std::thread([raw = log.get()] { raw->run(); });
    }
    return log;
  } catch (const std::exception& e) {
    *error = name + ": " + e.what();
    return nullptr;
  }
}

ReceiptLog::ReceiptLog(ReceiptLogOptions options, int fd, std::uint64_t lastSeq, std::string lastHash)
    : options_(std::move(options)), fd_(fd), lastSeq_(lastSeq), lastHash_(std::move(lastHash)) {}

ReceiptLog::~ReceiptLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (appendsInline() && unsynced_ && failure_.empty()) {
    // What the syncer had not reached yet; the head logged at stop is then durable.
    std::string why;
    if (syncData(fd_, &why)) synced();
  }
  ::close(fd_);
}

void ReceiptLog::synced() noexcept {
  syncs_.fetch_add(1, std::memory_order_relaxed);
  if (!options_.onSync) return;
  try {
    options_.onSync();
  } catch (...) {
    // A metrics hook must not stop the log.
  }
}

std::string ReceiptLog::name() const { return "receipt log " + policy::quoteForMessage(options_.path); }

void ReceiptLog::append(ReceiptInput input, Callback done) {
  if (appendsInline()) {
    try {
      std::vector<ReceiptInput> inputs;
      inputs.push_back(std::move(input));
      auto results = appendInline(std::move(inputs));
      notify(done, std::move(results[0]));
    } catch (...) {
      // Only allocation can fail (a failed write has stopped the log by then): the receipt is not acknowledged.
      failNow(done, "receipt log: out of memory");
    }
    return;
  }
  Pending pending{std::move(input), std::move(done)};
  try {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        queue_.push_back(std::move(pending));
        pending.done = nullptr;
      }
    }
    if (!pending.done) {
      wake_.notify_one();
      return;
    }
    failNow(pending.done, "receipt log is closing");
  } catch (...) {
    // push_back gives the strong guarantee: `pending` is intact and its callback can still be told.
    failNow(pending.done, "receipt log: out of memory");
  }
}

std::uint64_t ReceiptLog::lastSeq() const {
  std::lock_guard lock(mu_);
  return lastSeq_;
}

std::string ReceiptLog::lastHash() const {
  std::lock_guard lock(mu_);
  return lastHash_;
}

void ReceiptLog::run() {
  std::vector<Pending> batch;
  batch.reserve(options_.maxBatch);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      const std::size_t n = std::min(queue_.size(), options_.maxBatch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    try {
      commit(batch);
    } catch (...) {
      // Only allocation can fail here, possibly after the write: the on-disk state is unknown.
      if (failure_.empty()) failure_ = "out of memory while writing receipts";
      for (auto& pending : batch) failNow(pending.done, "receipt log: out of memory while writing receipts");
    }
    batch.clear();
  }
}

void ReceiptLog::commit(std::vector<Pending>& batch) {
  const std::string logName = name();
  std::vector<AppendResult> results(batch.size());
  if (!failure_.empty()) {
    failStopped(results, logName, failure_);
    for (std::size_t i = 0; i < batch.size(); ++i) notify(std::exchange(batch[i].done, nullptr), std::move(results[i]));
    return;
  }

  std::uint64_t seq;
  std::string prev;
  {
    std::lock_guard lock(mu_);
    seq = lastSeq_;
    prev = lastHash_;
  }
  const std::string lines = chainLines(
      batch.size(), [&](std::size_t i) -> const ReceiptInput& { return batch[i].input; }, logName, seq, prev, results);

  if (!lines.empty()) {
    std::string why;
    if (!writeAll(fd_, lines, &why) || !syncData(fd_, &why)) {
      failure_ = why;
      failChained(results, logName + ": " + why);
    } else {
      synced();
      std::lock_guard lock(mu_);
      lastSeq_ = seq;
      lastHash_ = std::move(prev);
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) notify(std::exchange(batch[i].done, nullptr), std::move(results[i]));
  if (failure_.empty()) mirror(lines);
}

std::vector<AppendResult> ReceiptLog::appendInline(std::vector<ReceiptInput> inputs) {
  std::vector<AppendResult> results(inputs.size());
  const std::string logName = name();
  if (!appendsInline()) {
    for (auto& result : results) result.error = logName + ": appendInline needs --receipts-sync=interval";
    return results;
  }
  std::lock_guard lock(mu_);
  if (!failure_.empty()) {
    failStopped(results, logName, failure_);
    return results;
  }
  if (stopping_) {
    for (auto& result : results) result.error = "receipt log is closing";
    return results;
  }
  // Chained and written under mu_: the file holds receipts in seq order whichever thread appends.
  std::uint64_t seq = lastSeq_;
  std::string prev = lastHash_;
  std::string lines;
  try {
    lines = chainLines(
        inputs.size(), [&](std::size_t i) -> const ReceiptInput& { return inputs[i]; }, logName, seq, prev, results);
  } catch (...) {
    // Nothing was written: these receipts fail, the log goes on.
    for (auto& result : results) {
      result = AppendResult{};
      result.error = logName + ": out of memory while building receipts";
    }
    return results;
  }
  if (lines.empty()) return results;
  std::string why;
  if (!writeAll(fd_, lines, &why)) {
    failure_ = std::move(why);  // what reached the file is unknown: stop until reopened, as in Decision mode
    failChained(results, logName + ": " + failure_);
    return results;
  }
  lastSeq_ = seq;
  lastHash_ = std::move(prev);
  unsynced_ = true;
  mirror(lines);  // under mu_, so stdout has the file's order
  return results;
}

void ReceiptLog::runSyncer() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, options_.syncInterval, [&] { return stopping_; });
    if (!failure_.empty()) return;  // nothing more will be written
    if (unsynced_) {
      unsynced_ = false;
      lock.unlock();
      // Outside mu_: appends go on while the disk works; what they write is synced next round.
      std::string why;
      const bool ok = syncData(fd_, &why);
      if (ok) synced();
      lock.lock();
      if (!ok) {
        // The written receipts may be lost (and Linux may drop the dirty pages): refuse every later one.
        failure_ = std::move(why);
        return;
      }
    }
    if (stopping_) return;
  }
}

void ReceiptLog::mirror(const std::string& lines) {
  if (!options_.mirrorToStdout || options_.mirror == nullptr || lines.empty()) return;
  // Best effort: the file is the record, stdout a copy for log collection; a failing stdout must not stop
  // decisions.
  std::fwrite(lines.data(), 1, lines.size(), options_.mirror);
  std::fflush(options_.mirror);
}

}  // namespace warden::sidecar
