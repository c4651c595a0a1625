/* Comparing secrets (signatures, MACs, codes) in time that does not depend
 * on their content. */
#include <tender/sdk.h>

#include <string.h>

int tender_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (a == NULL || b == NULL)
        return 0;
    /* Walk the longer length whatever happens, reading each side modulo its
     * own length, and fold every difference (the lengths' included) into one
     * accumulator: no branch depends on a byte. The volatile pointer keeps
     * the compiler from ending the loop early. */
    const volatile unsigned char *x = a, *y = b;
    size_t n = a_len > b_len ? a_len : b_len;
    unsigned int diff = (unsigned int)(a_len != b_len);
    for (size_t i = 0; i < n; i++) {
        unsigned char cx = a_len ? x[i % a_len] : 0;
        unsigned char cy = b_len ? y[i % b_len] : 0;
        diff |= (unsigned int)(cx ^ cy);
    }
    return diff == 0;
}

int tender_secure_streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    return tender_secure_equal(a, strlen(a), b, strlen(b));
}
