// Named fault points for tests (in the spirit of FoundationDB's BUGGIFY).
//
// Storage code calls `fault::check("segment.write")` right before a system call; when a test
// has armed that point the call fails with the armed errno instead of touching the disk.
// Unarmed points cost one relaxed atomic load. Never armed outside tests.
#pragma once

#include <string>

namespace fluxo::storage::fault {

// Arms `point`: after `skip` passing checks, the next `times` checks return `err`.
void arm(const std::string& point, int err, int skip = 0, int times = 1);
void disarm_all();
// Returns the errno the caller must fail with, or 0 to proceed normally.
int check(const char* point);

}  // namespace fluxo::storage::fault
