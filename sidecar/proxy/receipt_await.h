#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "sidecar/common/asio.h"
#include "sidecar/receipts/receipt_log.h"

namespace warden::sidecar {

// Appends receipts and resumes the calling coroutine (on its own executor) once all of them are durable: queued
// together, they land in the same group commit. Results are in input order.
inline asio::awaitable<std::vector<AppendResult>> appendDurably(ReceiptLog& log, std::vector<ReceiptInput> inputs) {
  auto initiate = [&log](auto handler, std::vector<ReceiptInput> receipts) {
    using Handler = decltype(handler);
    struct State {
      State(Handler h, std::size_t n) : handler(std::move(h)), results(n), remaining(n) {}
      Handler handler;
      std::vector<AppendResult> results;
      std::atomic<std::size_t> remaining;  // a failing log may complete some appends on the caller's thread
    };
    auto executor = asio::get_associated_executor(handler);
    const std::size_t count = receipts.size();
    auto state = std::make_shared<State>(std::move(handler), count);
    if (count == 0) {
      asio::post(executor, [state]() mutable { state->handler(std::move(state->results)); });
      return;
    }
    for (std::size_t i = 0; i < count; ++i) {
      log.append(std::move(receipts[i]), [state, executor, i](const AppendResult& result) {
        // Runs on the writer thread, in order; the last completion resumes the coroutine on its executor.
        state->results[i] = result;
        if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          asio::post(executor, [state]() mutable { state->handler(std::move(state->results)); });
        }
      });
    }
  };
  return asio::async_initiate<const asio::use_awaitable_t<>, void(std::vector<AppendResult>)>(
      initiate, asio::use_awaitable, std::move(inputs));
}

}  // namespace warden::sidecar

namespace warden::sidecar {

// Records receipts as the log's mode says: with --receipts-sync=interval written right here on the I/O thread (no
// hand-off, no suspension), else made durable by the writer thread.
inline asio::awaitable<std::vector<AppendResult>> appendReceipts(ReceiptLog& log, std::vector<ReceiptInput> inputs) {
  if (log.appendsInline()) co_return log.appendInline(std::move(inputs));
  co_return co_await appendDurably(log, std::move(inputs));
}

}  // namespace warden::sidecar
