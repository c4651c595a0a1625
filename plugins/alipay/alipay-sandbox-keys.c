/* The built-in SANDBOX key pairs of the Alipay plugin. TEST ONLY.
 *
 * These keys are public (the same PEM files are in tests/keys/alipay-*.pem)
 * and are used only when mode is "sandbox" and the operator configured no key
 * of their own: the simulated platform signs its notifications with the
 * platform key, the plugin signs its requests with the app key. A live
 * deployment must configure its own app key and Alipay's real public key. */
#include "alipay-sandbox-keys.h"

const char alipay_sandbox_app_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCb/tm1BqNTD8yI\n"
    "nwKa2KjoY2ZfZGAiioFc1+Ungq61Ft4gC19Z/ySbnaOmkcJwLNhhwmeoz3fEokJp\n"
    "PfmTqfo/rj3lKx+j2yX6y/hHvLfAdzRI+plRpzSw9fq3yVAj2+AikkjL7i7lKLA/\n"
    "rNpOERMl9uL8O4+xOuesihZs9ePZg7orXum3F8zvtNpUXffM2dCTEYtm4uY/60f+\n"
    "BD80S5UWBzaM1pRBKe0ZLZmqhcc9pMBRI6gimoHjpFBnSnr6NB9g9/5czQ+l0b0O\n"
    "MFSW+hMY7MwV7ER8GvK2V2KxIH5KhE/Z1UPLtFhDO9vjXjmbWGcqRast6eCVrkc4\n"
    "eqXwCsCxAgMBAAECggEAHOAApmyTINXk00kzrzv5kAKOOYwX62zd4zSnWzfqZOTV\n"
    "uvK/9KWwvglg+H00k5UJfJcCnxHAJqquRlLNdtLY2p7DID9qPOdc0V6eF5FMJhkq\n"
    "mXOhm6aqrzLo9MoTxn91rpCLXww4q/xrG25AfoDUnYtkmrHfuDuiFKL+4a5mPaXF\n"
    "SvCIZVfKHAOE5Gi265PkCVpfAhy8qMn2frAEPW8gYUufb/fe+bJ3VUOIGPzhuUhM\n"
    "iPtxHtEp5T8eGTaSqmBFbCevSnAi5qEQgtH13gsBv8dCRayl54yv9dw4+hLD0tV9\n"
    "9ij1YQzeLBECjYX/hom4avgNVic1p+3+ectr8L1l3QKBgQDXDQV6tjNWLFGiDVb4\n"
    "hS8YOwQh0T1YrTQPFJMhcaqROnsqvocspvHye5vzZC3fwDpaHpvyo3nlZGq8cDTN\n"
    "D+A/88UTdScNJzTJDch00OGxamLkC+Z4sBWgOEdanDTE6VzOBzPTbIEaUVqtQupf\n"
    "H/Ue+rNdHngCVnPOeA2l0gEw4wKBgQC5sxYxR6r4TB8Z+aFGIzR3nbRkfREu1LEI\n"
    "fOtuN2JHpwr3BzJ+rVQhMomfbSxalPy1un85MdeksoajgtXd11t+xBk/Os5kxqjJ\n"
    "94hWSbeQycLniLn7ZqwA9cwFKcwM/3ZJ7apKcx27vbArAcSM1TfKKl7JQUywUvIq\n"
    "FZQRUBYgWwKBgAeR8sZuEYKQDtOYip42+gBtW2jhV7p+Zl29iKxdtvZjy6AmktWU\n"
    "juHNTiEUPrUorCUt/Kle7dSQY118ya8KRweZSi+0KQrCfY4ySQMrszYum4qRjKxk\n"
    "7m30bTaYVxcza8vo3v8rS6Qkhv+gYmW010ke5B98Chdy+aKkAT78FISnAoGAQ+wI\n"
    "KwA+vdEB8ztGTOQllbbeO38vYMS0+BjQ+CBT10d3EEHWq1T0l6vngKOq/HrQMBxF\n"
    "2oKrkHcoHfiGBz11HtnVLjZxNZUgObdLa9xMwy25F30AIb89HKDK/fx6wSpTdtjy\n"
    "V4bhkkDgheqAnM6EOHLk9pHm3fuIzfHUlbyIS08CgYAmj4zkJRhsXinlUR+aOCgn\n"
    "hzU6bOwYterPgHYlSThyH+8iqUYfyvi9C3yUIVGx4GbU/SXYBp/xn0/oy2zTgzwg\n"
    "OtqxMSZuN5pmNC7CqL6vVBqKAJ74KoAmxPXSGTXB3gjD5jlnKBE4uNwu+gaEmX75\n"
    "h/5f34+uisEHnpK+kuS3dQ==\n"
    "-----END PRIVATE KEY-----\n";

const char alipay_sandbox_app_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAm/7ZtQajUw/MiJ8Cmtio\n"
    "6GNmX2RgIoqBXNflJ4KutRbeIAtfWf8km52jppHCcCzYYcJnqM93xKJCaT35k6n6\n"
    "P6495Ssfo9sl+sv4R7y3wHc0SPqZUac0sPX6t8lQI9vgIpJIy+4u5SiwP6zaThET\n"
    "Jfbi/DuPsTrnrIoWbPXj2YO6K17ptxfM77TaVF33zNnQkxGLZuLmP+tH/gQ/NEuV\n"
    "Fgc2jNaUQSntGS2ZqoXHPaTAUSOoIpqB46RQZ0p6+jQfYPf+XM0PpdG9DjBUlvoT\n"
    "GOzMFexEfBrytldisSB+SoRP2dVDy7RYQzvb4145m1hnKkWrLengla5HOHql8ArA\n"
    "sQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

const char alipay_sandbox_platform_private_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC/+yw2QfWeVEad\n"
    "3jSYnbAhzm0uGsuDod1LC+ilUcT4Wbk+eF5dUqL2dpYQ+Mr/RL9LbCBOIlnvaWXG\n"
    "/KHUWdVnZ7wSLrVH5gNtO/xW+T08zcw2IZJHGPNbDiTYERwXy9OHkUR22YkDrsXx\n"
    "iaB3nULt9Tz8WSYhch7BNwns9531lRYCWMC2rIjCYdapbibgb1KQlInDp9rizPrl\n"
    "Zzljm7oKZS/Qy6nFSIU5SGfZ16ybLQDpDUYUl1oEXPQtO7GEarnU6uv5PLYuGuhs\n"
    "VPfR6ePDo062SDLoB49iGDDYpypBRg8/XIr0xV8xT9IcnZGzxMH8r9x4dhv2vdL+\n"
    "+ELCdNWlAgMBAAECggEAA/6CS3iw1wPy2ir61igFt5ZXYCuvi0QNWhfb1cCvQ+l9\n"
    "+KZBdFiZSl5qPd0nQAtanYOY4ndFfr0nIG42Ibhiv72BRLGTFPVcoeOrGtYhp4ey\n"
    "lXe6Vt9WhND1BEfK2VXkxz/G+GALQTfcJ2vRGlv7vf6pr6hdKjn5GNT/0F3QfAD+\n"
    "UtJs4fa504OJO+h9uRuj8H4DS0fwK7gJKFmdqTiAeP3OqZMm1GYKkQlLM57NhMKh\n"
    "2dRE6BEjD74i1MecLr+ulIaaTupOaBWG3Rv2VOStuKIRA6rJHh9EG78G3T05zzS0\n"
    "htu9TljrMrOHU2S0UrSFZaUqAUOIDXwlxQAgx2zn+wKBgQDlYj58C2geklvWQu4T\n"
    "qFXtE24J1LwrxqQ8+5u+vl9f4bzpI5nqoeW0GF5g3dOlMbHRxF02uo6wQW9nEBgj\n"
    "K7NbqpFDBJMeSAAJQPY8LM680wJYMY8Z1la7q2i6EojAoGIY/RXFZ2VN2kVryJpE\n"
    "nOCxBVhG4Jq/R7QiUqWy3PZR4wKBgQDWQeXw28fhdYR//QkD/hwEHU/YZznkTuhF\n"
    "rfHHR2xJWzQ3ZZoPlJ/vz7zUBp92LIb93ZncaGOC01Gz/ovcAjAf4vhXd8krTgnL\n"
    "zi8OGGJJ5a9kZ0iUuJ/Kywf35bz1zFozvFv08X+yCISHAv4A4QkIxIswIHCQyCi3\n"
    "H28MRa6w1wKBgFWQ61wcaS+WSxnHB8ZfcgYozFBwge0WgWeaOAPUQgGjVHPnauAC\n"
    "mowu1u3tcajau8lTJa5nsxh+oE7iyw47nAFixCMqzrJqC1FoYTIbSNdZIzPA8O+j\n"
    "a+E/1KYsicTJTy6hIgDsS/bZqDHHt/xGRO7j3oU5/Z/C4Kg5CkSJdn0fAoGAW1Ol\n"
    "jsAv+ANeoiuaTzBegsZ3xVdiztVvnlvhpj7kgnQ00rQlMiT484CKDZpxGC8sr0Np\n"
    "FREN8bLfrah/txzbpIvbrXTqs+HEvTG6zvhH1RXpaBO6VWJJAmj+kYVEwUUE4e6V\n"
    "B9h0xM9qph35ZSiG8EzOw4ngUWZwLHZioEmHh+sCgYEApLh0FxYqnKoPbkuuvmg+\n"
    "EMwTRP5tv9eSK4DPfhJFR6nonRagy5Zhe7rQqF9hI+XuKOuuOt69hL1Fxr5P3kQw\n"
    "CxUhCweew2AfYMgE4hZXED6Axcm2nH6kzLsHy5q0edcCt4FFHpB6BXJWq9kNFwTz\n"
    "RKxvYiitoY/QmH0JkpHARLM=\n"
    "-----END PRIVATE KEY-----\n";

const char alipay_sandbox_platform_public_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv/ssNkH1nlRGnd40mJ2w\n"
    "Ic5tLhrLg6HdSwvopVHE+Fm5PnheXVKi9naWEPjK/0S/S2wgTiJZ72llxvyh1FnV\n"
    "Z2e8Ei61R+YDbTv8Vvk9PM3MNiGSRxjzWw4k2BEcF8vTh5FEdtmJA67F8Ymgd51C\n"
    "7fU8/FkmIXIewTcJ7Ped9ZUWAljAtqyIwmHWqW4m4G9SkJSJw6fa4sz65Wc5Y5u6\n"
    "CmUv0MupxUiFOUhn2desmy0A6Q1GFJdaBFz0LTuxhGq51Orr+Ty2LhrobFT30enj\n"
    "w6NOtkgy6AePYhgw2KcqQUYPP1yK9MVfMU/SHJ2Rs8TB/K/ceHYb9r3S/vhCwnTV\n"
    "pQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
