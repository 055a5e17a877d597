#include "sidecar/metrics/counter.h"

#include "sidecar/metrics/sample_line.h"

namespace warden::sidecar {

void Counter::appendSamples(std::string& out, std::string_view name, std::string_view labels) const {
  appendSampleName(out, name, "", labels);
  out += std::to_string(value());
  out += '\n';
}

}  // namespace warden::sidecar
