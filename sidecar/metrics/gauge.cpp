#include "sidecar/metrics/gauge.h"

#include "sidecar/metrics/exposition.h"
#include "sidecar/metrics/sample_line.h"

namespace warden::sidecar {

void Gauge::appendSamples(std::string& out, std::string_view name, std::string_view labels) const {
  appendSampleName(out, name, "", labels);
  appendDouble(out, value());
  out += '\n';
}

}  // namespace warden::sidecar
