#include "operator/kube/api_status.h"

#include <algorithm>

#include "policy/quote.h"

namespace warden::op {
namespace {

constexpr std::size_t kMaxMessageBytes = 2048;

std::string oneLine(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxMessageBytes));
  for (char c : text) {
    if (out.size() >= kMaxMessageBytes) {
      // Cut before a UTF-8 sequence, never inside one, so the message stays valid text.
      if ((static_cast<unsigned char>(c) & 0xc0) == 0x80) {
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80) out.pop_back();
        if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xc0) out.pop_back();
      }
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
  }
  return out;
}

bool isStatusObject(const nlohmann::json& body) {
  if (!body.is_object()) return false;
  auto kind = body.find("kind");
  return kind != body.end() && kind->is_string() && *kind == "Status";
}

std::string statusMessage(const nlohmann::json& status) {
  auto message = status.find("message");
  if (message != status.end() && message->is_string() && !message->get_ref<const std::string&>().empty()) {
    return oneLine(message->get_ref<const std::string&>());
  }
  auto reason = status.find("reason");
  if (reason != status.end() && reason->is_string()) return oneLine(reason->get_ref<const std::string&>());
  return "(no message)";
}

}  // namespace

std::string_view standardReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::string describeApiError(int status, std::string_view reasonPhrase, const nlohmann::json& body,
                             std::string_view rawBody) {
  std::string text = std::to_string(status);
  const std::string phrase = oneLine(reasonPhrase.empty() ? standardReasonPhrase(status) : reasonPhrase);
  if (!phrase.empty()) text += " " + phrase;
  if (isStatusObject(body)) return text + ": " + statusMessage(body);
  if (rawBody.empty()) return text + " (empty body)";
  return text + ": " + policy::quoteForMessage(rawBody, 512);
}

std::string describeStatusObject(const nlohmann::json& status) {
  if (!status.is_object()) return "watch error without a Status: " + policy::quoteForMessage(status.dump(), 512);
  int code = 0;
  auto codeField = status.find("code");
  if (codeField != status.end() && codeField->is_number_integer()) code = codeField->get<int>();
  std::string text = code != 0 ? std::to_string(code) : std::string("error");
  const std::string_view phrase = standardReasonPhrase(code);
  if (!phrase.empty()) text += " " + std::string(phrase);
  return text + ": " + statusMessage(status);
}

bool isGoneStatus(const nlohmann::json& status) {
  if (!status.is_object()) return false;
  auto code = status.find("code");
  if (code != status.end() && code->is_number_integer() && code->get<int>() == 410) return true;
  auto reason = status.find("reason");
  return reason != status.end() && reason->is_string() && (*reason == "Expired" || *reason == "Gone");
}

}  // namespace warden::op
