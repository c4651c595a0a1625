/* A payer's QR action as an SVG drawn in the page (libqrencode), so a
 * wallet app can scan it; nothing is fetched from elsewhere. */
#include <qrencode.h>

#include "checkout.h"

gboolean checkout_qr_svg(GString *html, const char *payload, const char *label)
{
    QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return FALSE;
    const int quiet = 4; /* the white border scanners need, in modules */
    int size = qr->width + 2 * quiet;
    checkout_html_printf(html,
                         "<svg class=\"qr\" id=\"qr\" role=\"img\" aria-label=\"%s\" "
                         "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "shape-rendering=\"crispEdges\">\n<rect width=\"%d\" height=\"%d\" "
                         "fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
                         label, size, size, size, size);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width; x++)
            /* Bit 0 of each module is "dark". */
            if (qr->data[y * qr->width + x] & 1)
                g_string_append_printf(html, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    g_string_append(html, "\"/>\n</svg>\n");
    QRcode_free(qr);
    return TRUE;
}
