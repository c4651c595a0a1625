/* Bounded copies into the fixed-size fields of a tender_result: the one
 * place that knows how to cut a string without splitting a UTF-8 character. */
#include <tender/sdk.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tender_copy_string(char *dst, size_t dst_size, const char *src)
{
    if (dst == NULL || dst_size == 0)
        return 0;
    if (src == NULL)
        src = "";
    size_t len = strlen(src);
    if (len < dst_size) {
        memcpy(dst, src, len + 1);
        return 1;
    }
    /* Truncate, then step back over a cut UTF-8 sequence so the field never
     * ends in half a character. */
    size_t cut = dst_size - 1;
    while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(dst, src, cut);
    dst[cut] = '\0';
    return 0;
}

int tender_format_string(char *dst, size_t dst_size, const char *fmt, ...)
{
    char buf[TENDER_RESULT_NOTIFY_BODY_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[0] = '\0';
    return tender_copy_string(dst, dst_size, buf) && n >= 0 && (size_t)n < sizeof buf;
}
