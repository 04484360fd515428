// "host:port" addresses as flags, config files and clients give them.
#pragma once

#include <cstdint>
#include <string>

namespace fluxo::actors {

// Splits "host:port" (port 0..65535); false when malformed.
bool split_host_port(const std::string& addr, std::string& host, uint16_t& port);

}  // namespace fluxo::actors
