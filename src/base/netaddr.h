/* IP addresses and prefixes: parsing "192.0.2.7", "2001:db8::/32" and lists of them,
 * matching a socket address against a list, and reading the client's address out of
 * X-Forwarded-For / Forwarded when the peer is a trusted proxy. IPv4 is held as an
 * IPv4-mapped IPv6 address, so one comparison serves both families. */
#ifndef STET_BASE_NETADDR_H
#define STET_BASE_NETADDR_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_LIST_MAX 64 /* prefixes in one list */

struct net_prefix {
    uint8_t addr[16]; /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
    unsigned bits;    /* prefix length over the 128 bits */
};

struct net_list {
    struct net_prefix items[NETADDR_LIST_MAX];
    size_t n;
};

/* Parses one address ("192.0.2.7", "::1", "[2001:db8::1]", "192.0.2.7:8080",
 * "[2001:db8::1]:443"; a port is dropped) into 16 bytes. False when it is not one. */
bool netaddr_parse(struct str text, uint8_t out[16]);
/* True for an IPv4 address (held IPv4-mapped). */
bool netaddr_is_v4(const uint8_t addr[16]);
/* The address of an AF_INET or AF_INET6 socket address; false for other families. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16]);
/* Formats 16 bytes as text (IPv4 dotted for mapped addresses) into `out`, which
 * holds at least NETADDR_TEXT_MAX bytes; returns its length. */
#define NETADDR_TEXT_MAX 46
size_t netaddr_format(const uint8_t addr[16], char *out);

/* Parses a list of addresses and prefixes separated by commas and/or spaces
 * ("127.0.0.1, 10.0.0.0/8 ::1"). An empty text is an empty list. STET_EINVAL with
 * a message in `err` for a bad item or more than NETADDR_LIST_MAX. */
int net_list_parse(const char *text, struct net_list *out, char *err,
                   size_t err_len) STET_MUST_CHECK;
bool net_list_has(const struct net_list *l, const uint8_t addr[16]);

/* The client's address for a request that came from `peer` with these header
 * values (each the whole value of one X-Forwarded-For or Forwarded line, in the
 * order received): the peer itself unless it is in `trusted`; otherwise the
 * nearest hop, walking from the right, that is not in `trusted` (or the farthest
 * when all are). Forwarded is read when present, else X-Forwarded-For. A header
 * that cannot be parsed stops the walk at the hop before it: a client never gets
 * to choose its address by sending garbage. Writes the address into `out`
 * (16 bytes). */
void netaddr_client(const uint8_t peer[16], const struct str *forwarded, size_t n_forwarded,
                    const struct str *xff, size_t n_xff, const struct net_list *trusted,
                    uint8_t out[16]);

#endif
