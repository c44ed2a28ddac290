/* libzmq, for teamd's ZeroMQ control interface (-Z) and teamdctl -Z.
 * Without the headers the build stops here with a message naming the package. */
#ifndef SWIFT_TEAM_CZEROMQ_H
#define SWIFT_TEAM_CZEROMQ_H
#if __has_include(<zmq.h>)
#include <zmq.h>
#else
#error "swift-team needs libzmq's headers for ZeroMQ: install the Debian package libzmq3-dev (apt-get install libzmq3-dev, or run lab/setup)"
#endif
#endif
