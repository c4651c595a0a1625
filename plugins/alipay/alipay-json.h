/* The JSON Alipay's gateway needs, on json-glib: a request's biz_content
 * and a response body are flat objects of strings (and numbers). Writing
 * makes every value a JSON string; reading accepts any JSON value but keeps
 * the ones that are not strings (numbers, null, nested objects and arrays)
 * as their exact text. */
#ifndef ALIPAY_JSON_H
#define ALIPAY_JSON_H

#include "alipay-params.h"

/* Write params (insertion order) as a flat JSON object of strings: every
 * value is a JSON string, escaped. g_free the result. */
char *alipay_json_from_params(const AlipayParams *params);

/* Read a JSON object into a parameter set: string values decoded, other
 * scalars and nested containers kept as their JSON text. NULL when text is
 * not one well-formed object (or a name repeats). */
AlipayParams *alipay_json_to_params(const char *text);

#endif
