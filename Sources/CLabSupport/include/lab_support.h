// labtool's two system calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module
// does not define. Plain calls (not dlsym) so that labtool also links as a static executable.
#ifndef LAB_SUPPORT_H
#define LAB_SUPPORT_H
#include <poll.h>
#include <time.h>

int lab_setns(int fd, int nstype);
int lab_ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout);

#endif
