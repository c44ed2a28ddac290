/* sd-bus from libsystemd, for teamd's D-Bus control interface and teamdctl -D.
 * Without the headers the build stops here with a message naming the package. */
#ifndef SWIFT_TEAM_CSYSTEMDBUS_H
#define SWIFT_TEAM_CSYSTEMDBUS_H
#if __has_include(<systemd/sd-bus.h>)
#include <systemd/sd-bus.h>
#else
#error "swift-team needs libsystemd's sd-bus headers for D-Bus: install the Debian package libsystemd-dev (apt-get install libsystemd-dev, or run lab/setup)"
#endif
#endif
