/* Address parsing over inet_pton, prefix matching over bytes, and the walk through
 * forwarding headers that proxies append to (RFC 7239; X-Forwarded-For as nginx and
 * HAProxy write it). */
#include "base/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool netaddr_is_v4(const uint8_t addr[16])
{
    return memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0;
}

/* `text` without surrounding blanks, one pair of brackets and a port. */
static struct str strip_port(struct str s)
{
    s = str_trim(s);
    if (s.len > 0 && s.ptr[0] == '[') {
        const char *close = memchr(s.ptr, ']', s.len);
        if (close == NULL)
            return STR_NULL;
        size_t rest = s.len - (size_t)(close + 1 - s.ptr);
        if (rest > 0 && close[1] != ':')
            return STR_NULL;
        return (struct str){s.ptr + 1, (size_t)(close - s.ptr - 1)};
    }
    /* One colon: IPv4 with a port. More: a bare IPv6 address. */
    const char *colon = memchr(s.ptr, ':', s.len);
    if (colon != NULL && memchr(colon + 1, ':', s.len - (size_t)(colon + 1 - s.ptr)) == NULL)
        return (struct str){s.ptr, (size_t)(colon - s.ptr)};
    return s;
}

/* Exactly an address: no blanks, brackets or port. */
static bool parse_plain(struct str s, uint8_t out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (s.len == 0 || s.len >= sizeof(buf) || memchr(s.ptr, '\0', s.len) != NULL)
        return false;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    struct in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        memcpy(out, v4_mapped, sizeof(v4_mapped));
        memcpy(out + 12, &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, buf, out) == 1;
}

bool netaddr_parse(struct str text, uint8_t out[16])
{
    return parse_plain(strip_port(text), out);
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16])
{
    if (sa == NULL)
        return false;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof(sin));
        memcpy(out, v4_mapped, sizeof(v4_mapped));
        memcpy(out + 12, &sin.sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, sa, sizeof(sin6));
        memcpy(out, &sin6.sin6_addr, 16);
        return true;
    }
    return false;
}

size_t netaddr_format(const uint8_t addr[16], char *out)
{
    const char *r = netaddr_is_v4(addr) ? inet_ntop(AF_INET, addr + 12, out, NETADDR_TEXT_MAX)
                                        : inet_ntop(AF_INET6, addr, out, NETADDR_TEXT_MAX);
    if (r == NULL)
        out[0] = '\0';
    return strlen(out);
}

static bool prefix_has(const struct net_prefix *p, const uint8_t addr[16])
{
    unsigned full = p->bits / 8, rest = p->bits % 8;
    if (memcmp(p->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (p->addr[full] & mask) == (addr[full] & mask);
}

bool net_list_has(const struct net_list *l, const uint8_t addr[16])
{
    for (size_t i = 0; l != NULL && i < l->n; i++)
        if (prefix_has(&l->items[i], addr))
            return true;
    return false;
}

static int parse_prefix(struct str item, struct net_prefix *out)
{
    const char *slash = memchr(item.ptr, '/', item.len);
    struct str addr = item;
    int64_t bits = -1;
    if (slash != NULL) {
        addr = (struct str){item.ptr, (size_t)(slash - item.ptr)};
        struct str b = {slash + 1, item.len - addr.len - 1};
        if (str_to_i64(b, 0, 128, &bits) != 0)
            return STET_EINVAL;
    }
    if (!parse_plain(addr, out->addr))
        return STET_EINVAL;
    bool v4 = netaddr_is_v4(out->addr) && memchr(addr.ptr, ':', addr.len) == NULL;
    if (bits < 0)
        bits = v4 ? 32 : 128;
    if (v4 && bits > 32)
        return STET_EINVAL;
    out->bits = (unsigned)(v4 ? 96 + bits : bits);
    return 0;
}

int net_list_parse(const char *text, struct net_list *out, char *err, size_t err_len)
{
    out->n = 0;
    size_t i = 0, len = text != NULL ? strlen(text) : 0;
    while (i < len) {
        while (i < len && (text[i] == ',' || text[i] == ' ' || text[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && text[i] != ',' && text[i] != ' ' && text[i] != '\t')
            i++;
        if (i == start)
            break;
        struct str item = {text + start, i - start};
        if (out->n == NETADDR_LIST_MAX) {
            snprintf(err, err_len, "more than %d addresses", NETADDR_LIST_MAX);
            return STET_EINVAL;
        }
        if (parse_prefix(item, &out->items[out->n]) != 0) {
            snprintf(err, err_len, "'%.*s' is not an IP address or prefix (ADDR or ADDR/BITS)",
                     (int)(item.len > 64 ? 64 : item.len), item.ptr);
            return STET_EINVAL;
        }
        out->n++;
    }
    return 0;
}

/* ---- forwarding headers ---- */

/* Hops of one header value, left to right. */
#define HOPS_MAX 32

/* Splits a comma-separated value into at most `max` trimmed elements, appending to
 * hops[*n]; false when there are more. */
static bool split_hops(struct str v, struct str *hops, size_t *n, size_t max)
{
    size_t i = 0;
    while (i <= v.len) {
        size_t end = i;
        while (end < v.len && v.ptr[end] != ',')
            end++;
        if (*n == max)
            return false;
        hops[(*n)++] = str_trim((struct str){v.ptr + i, end - i});
        i = end + 1;
    }
    return true;
}

/* The node of one Forwarded element ("for=192.0.2.7;proto=https",
 * `for="[2001:db8::1]:4711"`); false when it names none we can use (unknown,
 * obfuscated identifiers). */
static bool forwarded_for(struct str element, uint8_t out[16])
{
    size_t i = 0;
    while (i < element.len) {
        size_t end = i;
        bool quoted = false;
        while (end < element.len && (quoted || element.ptr[end] != ';')) {
            if (element.ptr[end] == '"')
                quoted = !quoted;
            end++;
        }
        struct str pair = str_trim((struct str){element.ptr + i, end - i});
        if (pair.len > 4 && strncasecmp(pair.ptr, "for=", 4) == 0) {
            struct str v = {pair.ptr + 4, pair.len - 4};
            if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
                v = (struct str){v.ptr + 1, v.len - 2};
            return netaddr_parse(v, out);
        }
        i = end + 1;
    }
    return false;
}

void netaddr_client(const uint8_t peer[16], const struct str *forwarded, size_t n_forwarded,
                    const struct str *xff, size_t n_xff, const struct net_list *trusted,
                    uint8_t out[16])
{
    memcpy(out, peer, 16);
    if (!net_list_has(trusted, peer))
        return;
    bool use_forwarded = n_forwarded > 0;
    const struct str *values = use_forwarded ? forwarded : xff;
    size_t n_values = use_forwarded ? n_forwarded : n_xff;
    struct str hops[HOPS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < n_values; i++)
        if (!split_hops(values[i], hops, &n, HOPS_MAX))
            return; /* more hops than any real path has: believe none of them */
    /* From the nearest hop outwards: each trusted one vouches for the next. */
    for (size_t i = n; i-- > 0;) {
        uint8_t hop[16];
        bool ok = use_forwarded ? forwarded_for(hops[i], hop) : netaddr_parse(hops[i], hop);
        if (!ok)
            return;
        memcpy(out, hop, 16);
        if (!net_list_has(trusted, hop))
            return;
    }
}
