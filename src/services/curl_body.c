/* The bounded body collector of curl_body.h. */
#include "services/curl_body.h"

size_t curl_body_write(char *data, size_t size, size_t nmemb, void *user)
{
    struct curl_body *body = user;
    size_t n = size * nmemb;
    if (n > body->max || body->buf->len + n > body->max)
        return 0;
    buf_append(body->buf, data, n);
    return n;
}
