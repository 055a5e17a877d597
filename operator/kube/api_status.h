#pragma once

// Turning the API server's answers into error messages: a Status object (kind Status) carries a message and a
// code; anything else (a proxy's HTML page, an empty body) is described by its HTTP status and a quoted excerpt.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

// "409 Conflict: Operation cannot be fulfilled on configmaps \"a\": the object has been modified; ...". The reason
// phrase is the response's (the standard one for the code when empty). Control characters in the server's message
// are replaced by spaces and it is cut at 2048 bytes, so an error is always one log line. Never throws but bad_alloc.
std::string describeApiError(int status, std::string_view reasonPhrase, const nlohmann::json& body,
                             std::string_view rawBody);

// A Status object from a watch ERROR event: "410 Gone: too old resource version: 5 (42)".
std::string describeStatusObject(const nlohmann::json& status);

// Whether a watch ERROR event's Status means "the version is too old, relist": code 410 or reason Expired/Gone.
bool isGoneStatus(const nlohmann::json& status);

// The standard reason phrase of an HTTP status ("Not Found"); "" for codes without one here.
std::string_view standardReasonPhrase(int status);

}  // namespace warden::op
