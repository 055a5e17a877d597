#pragma once

#include <string>
#include <string_view>

namespace warden::sidecar {

// Appends `<name><suffix>{<labels>}` (no braces when labels is empty) and a space: the start of a sample line.
void appendSampleName(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels);

}  // namespace warden::sidecar
