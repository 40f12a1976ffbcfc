"""Offline MAC address -> vendor lookup (IEEE MA-L extract), stdlib only.

The table below is an extract of the IEEE Registration Authority's MA-L ("OUI") public
listing, restricted to makers of TVs, streamers and speakers, and to common makers of
phones, computers, printers, NAS boxes, network and smart-home gear (so that those can be
named, and told apart from media devices). It was taken from Debian's ``ieee-data``
package, version 20220827.1 (``/usr/share/ieee-data/oui.csv``), by matching the
organisation names listed in ``_TABLE`` (one vendor can have several rows with different
hints); each group lists every MA-L assignment of that organisation in that file.

Notice (IEEE terms, as recorded by Debian's ieee-data copyright file): "IEEE does not
assert any copyright in the OUI Public Listing or attempt to restrict distribution of the
listing in any way. The IEEE Registration Authority does, however, strongly encourage
those who use the list to obtain it directly from IEEE (and to update it on a regular
basis) to ensure the integrity of the information." Source:
https://standards.ieee.org/products-programs/regauth/ . Assignments made after August
2022 are missing; an unknown OUI only means "vendor unknown".

Each row carries a *hint*: ``"tv"``, ``"streamer"`` or ``"speaker"`` when (nearly) every
network interface with that organisation's OUI belongs to such a device (Sonos, Roku,
Vizio, TP Vision = Philips TVs, ...); ``"other"`` for makers of phones, computers,
printers, NAS and smart-home gear that sell no TVs/streamers/speakers of note; ``""``
for vendors that make both (Samsung, LG, Sony, Apple, Google, Amazon, ...).

A locally administered address (bit 0x02 of the first octet set: a randomised "private"
Wi-Fi address of a phone, or a virtual interface) has no vendor: :func:`lookup` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .routerdata import normalize_mac

__all__ = ["OuiHint", "OuiInfo", "is_locally_administered", "lookup", "vendor_count"]

type OuiHint = Literal["tv", "streamer", "speaker", "other", ""]


@dataclass(frozen=True, slots=True)
class OuiInfo:
    """What the first three octets of a MAC address say.

    ``oui`` is ``"00:0e:58"``; ``vendor`` is None for an unknown OUI and always for a
    locally administered (``randomised``) address; ``multicast`` is the I/G bit.
    """

    oui: str
    vendor: str | None
    hint: OuiHint
    randomised: bool
    multicast: bool


# (vendor, hint, space separated OUIs in lower-case hex without separators)
_TABLE: tuple[tuple[str, OuiHint, str], ...] = (
    (
        "Sonos",
        "speaker",
        "000e58 347e5c 38420b 48a6b8 542a1b 5caafd 7828ca 949f3e b8e937 c43875 f0f6c1",
    ),
    ("Bose", "speaker", "000c8a 0452c7 08df1f 2811a5 2c41a1 4c875d 60abd2 782b64 acbf71 c87b23"),
    ("Denon", "speaker", "0005cd 000678 8ca96f 944f4c"),
    ("Bang & Olufsen", "speaker", "0009a7"),
    (
        "Roku",
        "streamer",
        "000d4b 080581 105932 20efbd 7c67ab 84eaed 88dea9 8c4962 a8b57c ac3a7a acae19 b0a737 "
        "b0ee7b b83e59 b8a175 bcd7d4 c83a6b cc6da0 d04d2c d4e22f d83134 dc3a5e",
    ),
    ("Vizio", "tv", "00199d 006b9e 00bd3e 0c8b7d 2c641f 3c9bd6 a06a44 a48d3b c41cff cc95d7 e838a0"),
    (
        "Skyworth",
        "tv",
        "00167a 001a9a 04ce09 08ff24 1055e4 14115d 141346 18aa1e 1c880c 20898a 208b37 249ac8 "
        "28c01b 2c1875 2ccce6 3050fd 309176 348511 34aa31 38faca 40679b 5cc6d0 681aa4 6c2cdc "
        "6cc242 708540 74ff4c 78530d 785f36 80ee25 88cc45 90b67a 947fd8 a04c0c a089e4 c08f20 "
        "c8138b c88f26 e028b1 f44c70 f8b8b4",
    ),
    ("Skyworth", "", "7c4e09 989449"),
    ("TCL", "tv", "2ce032 345180 3c591e 5c36b8 c07982 cca12b d814df"),
    ("Vestel", "tv", "0009df 486dbb 7054b4 909877 ccd3c1 ecbe5f"),
    ("Philips", "tv", "188ed5 70af24"),
    ("Philips", "", "0008c6 001ecf 1c5a6b"),
    ("Sony", "tv", "702605 cc988b"),
    (
        "Sony",
        "",
        "00014a 00041f 000ad9 000e07 000fde 0012ee 001315 0013a9 0015c1 001620 0016b8 001813 "
        "001963 0019c5 001a75 001a80 001b59 001ca4 001d0d 001d28 001dba 001e45 001edc 001fa7 "
        "001fe4 00219e 002298 0022a6 002345 0023f1 00248d 0024be 0024ef 0025e7 00d9d1 00e421 "
        "00eb2d 045d4b 080046 0cfe45 104fa8 143fa6 18002d 1c7b21 205476 2421ab 280dfc 283f69 "
        "2c97ed 2c9e00 2ccc44 3017c8 303926 307512 30a8db 30f9ed 38184c 387862 3c01ef 3c0771 "
        "3c38f4 402ba1 4040a7 40b837 44746c 44d4e0 4c21d0 544249 5453ed 58170c 584822 5c843c "
        "5c9666 5cb524 68764f 6c0e0d 6c23b9 6cb227 70662a 709e29 78843c 78c881 8400d2 848edf "
        "84c7ea 84e657 88c9e8 8c6422 90c115 94ce2c 94db56 9c5cf9 a0e453 a8e3ee ac9b0a b4527d "
        "b4527e b8f934 bc3329 bc60a7 bc6e64 c43abe c863f1 d05162 d4389c d8d43c e063e5 f0bf97 "
        "f8461c f84e17 f8d0ac fc0fe6 fcf152",
    ),
    ("Hisense", "other", "001a95"),
    (
        "Hisense",
        "",
        "08674e 08ba5f 08d0b7 10394e 18300c 1c7b23 24e271 340aff 38f554 40cd7a 587e61 5c3400 "
        "64aef1 88b863 8c9f3b 90cf7d a062fb a88200 a8a648 ac4afe b84dee bc6010 c42c4f c816bd "
        "dc9a7d e43bc9",
    ),
    (
        "Samsung",
        "",
        "0000f0 0007ab 001247 0012fb 001377 001599 0015b9 001632 00166b 00166c 0016db 0017c9 "
        "0017d5 0018af 001a8a 001b98 001c43 001d25 001df6 001e7d 001ee1 001ee2 001fcc 001fcd "
        "00214c 0021d1 0021d2 002339 00233a 002399 0023c2 0023d6 0023d7 002454 002490 002491 "
        "0024e9 002538 002566 002567 00265d 00265f 006f64 007204 0073e0 007c2d 008701 00b5d0 "
        "00bf61 00c3f4 00e064 00e3b2 00f46f 00fa21 04180f 041bba 04292e 04b1a1 04b429 04b9e3 "
        "04ba8d 04bdbf 04fe31 0808c2 08152f 0821ef 08373d 083d88 087808 088c2c 08aed6 08bfa0 "
        "08d42b 08eca9 08ee8b 08fc88 08fd0e 0c02bd 0c1420 0c2fb0 0c715d 0c8910 0c8dca 0ca8a7 "
        "0cb319 0cdfa4 0ce0dc 1007b6 101dc0 1029ab 102b41 103047 103917 103b59 1077b1 1089fb "
        "108ee0 109266 10d38a 10d542 10e4c2 10ec81 140152 141f78 1432d1 14568e 1489fd 1496e5 "
        "149f3c 14a364 14b484 14bb6e 14f42a 1816c9 1819d6 181eb0 182195 18227e 182666 183a2d "
        "183f47 184617 184e16 184ecb 1854cf 185bb3 1867b0 1869d4 188331 18895b 18ab1d 18bfb3 "
        "18ce94 18e2c2 1c232c 1c3ade 1c5a3e 1c62b8 1c66aa 1c76f2 1c869a 1caf05 1caf4a 1ce57f "
        "1ce61d 1cf8d0 2013e0 202d07 20326c 205531 205ef7 206e9c 20d390 20d5bf 20dbab 240935 "
        "241153 244b03 244b81 245ab5 2468b0 24920e 24c613 24c696 24dbed 24f0d3 24f5aa 24fce5 "
        "2802d8 2827bf 28395e 283dc2 288335 28987b 28bab5 28cc01 2c15bf 2c4053 2c4401 2cae2b "
        "2cbaba 301966 306a85 307467 3096fb 30c7ae 30cbf8 30cda7 30d587 30d6c9 34145f 342d0d "
        "343111 3482c5 348a7b 34aa8b 34be00 34c3ac 380195 380a94 380b40 3816d1 382dd1 382de8 "
        "3868a4 386a77 388f30 389496 389af6 38d40b 38ece4 3c0518 3c195e 3c20f6 3c576c 3c5a37 "
        "3c6200 3c8bfe 3ca10d 3cbbfd 3cdcbc 3cf7a4 4011c3 40163b 4035e6 405ef6 40d3ae 4416fa "
        "444e1a 445ce9 446d6c 44783e 448f17 44ea30 44f459 48137e 4827ea 4844f7 4849c7 485169 "
        "4861ee 48794d 489dd1 48c796 4c2e5e 4c3c16 4ca56d 4cbca5 4cc95e 4cdd31 5001bb 503275 "
        "503da1 5049b0 5050a4 5056bf 507705 508569 5092b9 509ea7 50a4c8 50b7c3 50c8e5 50f0d3 "
        "50f520 50fc9f 54219d 543ad6 5440ad 5444a3 5492be 549b12 54b802 54bd79 54d17d 54f201 "
        "54fa3e 54fcf0 582071 58a639 58b10f 58c38b 58c5cb 5c10c5 5c2e59 5c3c27 5c497d 5c5181 "
        "5c865c 5c9960 5cac3d 5cc1d7 5ccb99 5ce8eb 5cedf4 5cf6dc 603aaf 60684e 606bbd 6077e2 "
        "608e08 608f5c 60a10a 60a4d0 60af6d 60c5ad 60d0a9 60ff12 64037f 6407f6 641cae 641cb0 "
        "645df4 646cb2 647791 647bce 6489f1 64b310 64b5f2 64b853 64d0d6 64e7d8 680571 682737 "
        "684898 684ae9 685acf 6872c3 687d6b 68bfc4 68e7c2 68ebae 68fcca 6c006b 6c2f2c 6c2f8a "
        "6c5563 6c70cb 6c8336 6cb7f4 6cddbc 6cf373 700971 701f3c 70288b 702ad5 705aac 70b13d "
        "70ce8c 70f927 70fd46 74190a 74458a 749ef5 74eb80 78009e 781fdb 782327 7825ad 783716 "
        "7840e4 7846d4 78471d 78521a 78595e 789ed0 78a873 78abbb 78bdbc 78c3e9 78f238 78f7be "
        "7c0a3f 7c0bc6 7c1c68 7c2302 7c2edd 7c38ad 7c6456 7c787e 7c8956 7c8bb5 7c9122 7cc225 "
        "7cf854 7cf90e 8018a7 801970 8020fd 8031f0 80398c 804786 804e70 804e81 80549c 805719 "
        "80656d 807b3e 8086d9 808abd 809ff5 80ceb9 84119e 842289 842519 8425db 842e27 8437d5 "
        "845181 8455a5 845f04 849866 84a466 84b541 84c0ef 88299c 887598 888322 889b39 889f6f "
        "88a303 88add2 88bd45 8c1abf 8c6a3b 8c71f8 8c7712 8c79f5 8c83e1 8cb0e9 8cbfa6 8cc8cd "
        "8cdee6 8ce5c0 8cea48 9000db 900628 90633b 908175 9097f3 90b144 90b622 90eec7 90f1aa "
        "9401c2 942ddc 94350a 945103 945244 9463d1 9476b7 947be7 948bc1 94b10a 94d771 94e129 "
        "98063c 980d6f 981dfa 982d68 98398e 9852b1 9880ee 988389 98b08b 98b8bc 98d742 9c0298 "
        "9c2595 9c2a83 9c2e7a 9c3aaf 9c5fb0 9c65b0 9c8c6e 9ca513 9cd35b 9ce063 9ce6e7 a00798 "
        "a01081 a02195 a027b6 a06090 a07591 a0821f a0ac69 a0b4a5 a0cbfd a0d05b a0d722 a0d7f3 "
        "a407b6 a4307a a46cf1 a475b9 a48431 a49a58 a49ddd a4c69a a4d990 a4ebd3 a80600 a816d0 "
        "a82bb9 a830bc a8346a a84b4d a8515b a87650 a8798d a87c01 a88195 a887b3 a89fba a8f274 "
        "ac1e92 ac3613 ac5a14 ac6c90 acafb9 acc33a acee9e b047bf b04a6a b06fe0 b099d7 b0c4e7 "
        "b0c559 b0d09c b0df3a b0e45c b0ec71 b41a1d b43a28 b46293 b47064 b47443 b49d02 b4bff6 "
        "b4ce40 b4ef39 b857d8 b85a73 b85e7b b86ce8 b8b409 b8bbaf b8bc5b b8c68e b8d9ce bc107b "
        "bc1485 bc20a4 bc4486 bc455b bc4760 bc5274 bc5451 bc72b1 bc765e bc79ad bc7abf bc7e8b "
        "bc851f bca58b bcb1f3 bcd11f bce63f c01173 c0174d c0238d c03d03 c048e6 c06599 c087eb "
        "c08997 c0bdc8 c0d2dd c0d3c0 c0dcda c418e9 c41c07 c44202 c45006 c4576e c45d83 c462ea "
        "c4731e c47d9f c488e5 c493d9 c4ae12 c8120b c81479 c819f7 c83870 c8418a c85142 c87e75 "
        "c8908a c8a823 c8bd4d c8bd69 c8d7b0 cc051b cc07ab cc2119 cc464e cc6ea4 ccb11a cce686 "
        "ccf9e8 ccfe3c d003df d004b0 d0176a d01b49 d03169 d059e4 d0667b d07fa0 d087e2 d0b128 "
        "d0c1b1 d0c24e d0d003 d0dfc7 d0fccc d411a3 d47ae2 d487d8 d48890 d48a39 d49dc0 d4ae05 "
        "d4e6b7 d4e8b2 d80831 d80b9a d831cf d85575 d857ef d85b2a d868a0 d868c3 d890e8 d8a35c "
        "d8c4e9 d8e0e1 dc44b6 dc6672 dc74a8 dc8983 dccce6 dccf96 dcdce2 dcf756 e0036b e09971 "
        "e09d13 e0aa96 e0c377 e0cbee e0d083 e0db10 e4121d e432cb e440e2 e458b8 e458e7 e45d75 "
        "e47cf9 e47dbd e492fb e4b021 e4e0c5 e4ece8 e4f3c4 e4f8ef e4faed e8039a e81132 e83a12 "
        "e84e84 e86dcb e87f6b e89309 e8aacb e8b4c8 e8e5d6 ec107b ec7cb6 ecaa25 ece09b f008f1 "
        "f03965 f05a09 f05b7b f065ae f06bca f0704f f0728c f08a76 f0cd31 f0e77e f0ee10 f0f564 "
        "f40e22 f4428f f47190 f47b5e f47def f49f54 f4c248 f4d9fb f4f309 f4fefb f83f51 f84e58 "
        "f85b6e f877b8 f884f2 f88f07 f8d0bd f8e61a f8f1e6 fc039f fc1910 fc4203 fc643a fc8f90 "
        "fca13e fca621 fcaab6 fcc734 fcde90 fcf136",
    ),
    (
        "LG",
        "",
        "001c62 001e75 001f6b 001fe3 0021fb 0022a9 002483 0025e5 0026e2 0034da 003de8 0057c1 "
        "00aa70 00e091 041b6d 08d46a 0c4885 10683f 10f1f2 10f96f 14c913 201742 2021a5 2c54cf "
        "2c598a 300eb8 30766f 30b4b8 30fceb 344df7 34fcef 3830f9 388c50 3cbdd8 3ccd93 40b0fa "
        "485929 48605f 48902f 505527 583f54 58a2b5 58fdb1 5c70a3 5caf06 603cee 60e3ac 640d22 "
        "64899a 64956c 64bc0c 64c2de 6cd032 6cd68a 700514 74a722 74e6b8 785dc8 78f882 7cf31b "
        "805a04 88074b 88365f 88c9d0 8c3ae3 8c5646 9893cc 98b8ba 98d6f7 a039f7 a04f85 a09169 "
        "a816b2 a823fe a8922c a8b86e ac0d1b ac5af0 acf6f7 b03795 b4b291 b4f1da b4f7a1 b81daa "
        "bcf5ac c041f6 c4438f c49a02 c808e9 c8f319 cc2d8c ccfa00 d013fd d84fb8 dc0b34 e85b5b "
        "e892a4 f01c13 f80cf3 f83869 f895c7 f8a9d0",
    ),
    (
        "Panasonic",
        "",
        "000f12 001267 001987 001bd3 0020d9 005040 0080f0 00c08f 00d060 04209a 080023 20c6eb "
        "24a87d 304c7e 34317f 3432e6 34f6d2 3c6fea 4c218c 4c364e 54cd10 705812 74d7ca 80c755 "
        "8cc121 949d57 9c611d a81374 b0d888 b46c47 b8208e bc69cb bcc342 cc7ee7 d8aff1 d8b12a "
        "e0ee1b ec65cc",
    ),
    (
        "Sharp",
        "",
        "00175c 001cee 0022f3 08001f 145051 242642 243184 2884fa 345a06 34f62d 6879ed 781c5a "
        "803896 8c5219 9cc7d1 a0dde5 aca88e bcb181 f09ffc",
    ),
    (
        "Xiaomi",
        "",
        "009ec8 00c30a 00ec0a 04106b 047a0b 04b167 04c807 04cf8c 04d13a 04e598 081c6e 082525 "
        "0c1daf 0c9838 0cc6fd 0cf346 102ab3 103f44 1449d4 14f65a 1801f1 185936 188740 18f0e4 "
        "1cccd6 2034fb 2047da 2082c0 20a60c 20f478 241145 24cf24 28167f 286c07 28d127 28e31f "
        "2cd066 341cf0 3480b3 34b98d 34ce00 38a4ed 38e60a 3c135a 3c2ca6 3cbd3e 3ccd57 40313c "
        "44237c 447147 482ca0 488759 48fda3 4c0220 4c49e3 4c6371 4ce0db 4cf202 503dc6 50642b "
        "508e49 508f4c 509839 50a009 50d2f5 50dad6 50ec50 5448e6 582059 584498 58b623 5c0214 "
        "5cd06e 5ce50c 606ee8 60ab67 640980 64644a 6490c1 649e31 64a200 64b473 64cc2e 64dde9 "
        "68abbc 68b8bb 68dfdd 6c0dc4 6cf784 703a51 705fa3 70bbe9 741575 742344 7451ba 74f2fa "
        "7802f8 7811dc 78d840 7c035e 7c03ab 7c1dd9 7c2adb 7c49eb 7ca449 7cc294 7cd661 7cfd6b "
        "8035c1 80ad16 884604 8852eb 88c397 8c53c3 8c5af8 8c7a3d 8caace 8cbebe 8cd9d6 8cdef9 "
        "9078b2 941700 9487e0 94d331 98f621 98fae3 9c28f7 9c2ea1 9c5a81 9c99a0 9c9d7e 9cbcf0 "
        "a086c6 a439b3 a44519 a44bd5 a45046 a45590 a89ced ac1e9e acc1ee acf7f3 b0e235 b460ed "
        "b4c4fc b83bcc b850d8 b894e7 bc6193 bc6ad1 bc7fa4 c40bcb c46ab7 c82832 c83ddc c85ccc "
        "c8bf4c ccb5d1 d09c7a d43538 d45eec d4970b d4da21 d4f0ea d832e3 d86375 d8b053 d8ce3a "
        "dc6ae7 dcb72e dced83 e01f88 e06267 e0806b e0b655 e0ccf8 e0dcff e446da e484d3 e4db6d "
        "e85a8b e8f791 ec30b3 ec4118 ec4d3e ecd09f ecfa5c f06c5d f0b429 f4308b f460e2 f48b32 "
        "f4f5db f8710c f8a45f f8ab82 fc0296 fc1999 fc64ba fcd908",
    ),
    (
        "Google",
        "",
        "001a11 00f620 089e08 08b4b1 0cc413 14223b 14c14e 1c53f9 1cf29a 201f3b 20dfb9 240588 "
        "242934 24e50f 28bd89 30fd38 3886f7 388b59 3c286d 3c5ab4 3c8d20 44070b 44bb3b 48d6d5 "
        "546009 582429 58cb52 60706c 60b76e 703acb 747446 7c2ebd 7cd95c 883d24 88541f 900cc8 "
        "90cafa 9495a0 94eb2c 98d293 9c4f5f a47733 ac3eb1 ac6784 b02a43 b06a41 b0e4d5 bcdf58 "
        "c82add cca7c1 ccf411 d43a2c d4f547 d86c63 d88c79 d8eb46 dce55b e45e1b e4f042 f05c77 "
        "f072ea f0ef86 f40304 f4f5d8 f4f5e8 f80ff9 f81a2b f88fca",
    ),
    (
        "Amazon",
        "",
        "007147 00bb3a 00f361 00fc8b 0812a5 0857fb 086ae5 087c39 08849d 089115 08a6bc 0c43f9 "
        "0c47c9 0cee99 1009f9 109693 10ae60 10ce02 140ac5 149138 1848be 18742e 1c12b0 1c4d66 "
        "1c93c4 1cfe2b 20a171 20fe00 244ce3 24ce33 28ef01 2c71ff 3425be 34afb3 34d270 38f73d "
        "3c5cc4 3ce441 40a2db 40a9cf 40b4cd 40f6bc 440049 444201 44650d 446d7f 44b4b2 44d5cc "
        "4843dd 48785e 48b423 4c1744 4c53fd 4cefc0 5007c3 50dce7 50f5da 589a3e 6837e9 6854fd "
        "689a87 68b691 68dbf5 6c5697 6c999d 7070aa 7458f3 747548 74a7ea 74c246 74d423 74d637 "
        "74e20c 74ecb2 786c84 78a03f 78e103 7c6166 7c6305 7cd566 800cf9 806d71 84d6d0 8871e5 "
        "901195 90235b 90a822 90f82e 943a91 945afc 98226e a002dc a0d0dc a0d2b1 a40801 a8e621 "
        "ac63be acccfc b0739c b0f7c4 b0fc0d b47c9c b4b742 b4e454 b85f98 c08d51 c091b9 c49500 "
        "c86c3d cc9ea2 ccf735 d4910f d8be65 d8fbd6 dc54d7 dc91bf e0cb1d e0f728 e8d87e ec0de4 "
        "ec2beb ec8ac4 eca138 f0272d f04f7c f08173 f0a225 f0d2f1 f0f0a4 f4032a f854b8 f8fce1 "
        "fc492d fc65de fca183 fca667 fce9d8",
    ),
    (
        "Apple",
        "",
        "000393 000502 000a27 000a95 000d93 0010fa 001124 001451 0016cb 0017f2 0019e3 001b63 "
        "001cb3 001d4f 001e52 001ec2 001f5b 001ff3 0021e9 002241 002312 002332 00236c 0023df "
        "002436 002500 00254b 0025bc 002608 00264a 0026b0 0026bb 003065 003ee1 0050e4 0056cd "
        "005b94 006171 006d52 007d60 008865 008a76 00a040 00b362 00c585 00c610 00cdfe 00db70 "
        "00f39f 00f4b9 00f76f 040cce 041552 041e64 042665 04489a 044bed 0452f3 045453 046865 "
        "0469f8 047295 0499b9 0499bb 04bc6d 04d3cf 04db56 04e536 04f13e 04f7e4 080007 082573 "
        "082cb6 086518 086698 086d41 087045 087402 0887c7 088edc 089542 08c729 08e689 08f4ab "
        "08f69c 08f8bc 08ff44 0c1539 0c19f8 0c3021 0c3b50 0c3e9f 0c4de9 0c5101 0c74c2 0c771a "
        "0cbc9f 0cd746 0ce441 100020 101c0c 102959 103025 1040f3 10417f 1093e9 1094bb 109add "
        "10b9c4 10cee9 10ddb1 14109f 14205e 142d4d 145a05 1460cb 147dda 14876a 1488e6 148fc6 "
        "14946c 1495ce 149877 1499e2 149d99 14bd61 14c213 14c88b 14d00d 14d19e 14f287 182032 "
        "183451 183eef 1855e3 1856c3 186590 187eb9 18810e 189efc 18af61 18af8f 18e7b0 18e7f4 "
        "18ee69 18f1d8 18f643 18fab7 1c0d7d 1c1ac0 1c36bb 1c57dc 1c5cf2 1c6a76 1c7125 1c8682 "
        "1c9148 1c9180 1c9e46 1caba7 1cb3c9 1ce62b 200e2b 201a94 2032c6 2037a5 203cae 206980 "
        "20768f 2078cd 2078f0 207d74 209bcd 20a2e4 20a5cb 20ab37 20c9d0 20e2a8 20e874 20ee28 "
        "241b7a 241eeb 24240e 245ba7 245e48 24a074 24a2e1 24ab81 24d0df 24e314 24f094 24f677 "
        "280244 280b5c 283737 285aeb 286ab8 286aba 2877f1 288eec 288ff6 28a02b 28c538 28c709 "
        "28cfda 28cfe9 28e02c 28e14c 28e7cf 28ea2d 28ec95 28ed6a 28f033 28f076 28ff3c 2c1f23 "
        "2c200b 2c326a 2c3361 2c57ce 2c61f6 2c7600 2c8217 2cb43a 2cbc87 2cbe08 2cf0a2 2cf0ee "
        "3010e4 3035ad 305714 30636b 309048 3090ab 30d53e 30d9d9 30f7c5 3408bc 341298 34159e "
        "342840 34318f 34363b 344262 3451c9 347c25 34a395 34a8eb 34ab37 34c059 34e2fd 34fd6a "
        "34fe77 380f4a 38484c 38539c 3865b2 3866f0 3871de 3888a4 38892c 38b54d 38c986 38cada "
        "38ec0d 38f9d3 3c0630 3c0754 3c15c2 3c22fb 3c2ef9 3c2eff 3c39c8 3c4dbe 3c7d0a 3ca6f6 "
        "3cab8e 3cbf60 3ccd36 3cd0f8 3ce072 402619 403004 40331a 403cfc 404d7f 406c8f 4070f5 "
        "40831d 4098ad 409c28 40a6d9 40b395 40bc60 40c711 40cbc0 40d32d 40e64b 40edcf 40f946 "
        "440010 4418fd 441b88 442a60 443583 444adb 444c0c 4490bb 44a8fc 44c65d 44d884 44da30 "
        "44e66e 44f09e 44f21b 44fb42 48262c 48352b 483b38 48437c 484baa 4860bc 48746e 48a195 "
        "48a91c 48b8a3 48bf6b 48d705 48e9f1 4c20b8 4c2eb4 4c3275 4c569d 4c57ca 4c6be8 4c74bf "
        "4c7975 4c7c5f 4c7cd9 4c8d79 4cab4f 4cb199 4cb910 4ce6c0 501fc6 5023a2 503237 50578a "
        "507a55 507ac5 5082d5 50a67f 50bc96 50de06 50ead6 50ed3c 50f4eb 540910 542696 542b8d "
        "5433cb 544e90 5462e2 54724f 549963 549f13 54ae27 54e43a 54e61b 54eaa8 580ad4 581faa "
        "58404e 585595 5855ca 5864c4 586b14 587f57 58b035 58b965 58d349 58e28f 58e6ba 5c0947 "
        "5c1bf4 5c1dd9 5c3e1b 5c50d9 5c5230 5c5284 5c5948 5c7017 5c8730 5c8d4e 5c95ae 5c969d "
        "5c97f3 5cadcf 5ce91e 5cf5da 5cf7e6 5cf938 600308 6006e3 6030d4 60334b 606944 6070c0 "
        "607ec9 608373 608b0e 608c4a 609217 609316 6095bd 609ac1 60a37d 60bec4 60c547 60d9c7 "
        "60dd70 60f445 60f81d 60facd 60fb42 60fec5 640bd7 64200c 645a36 645aed 646d2f 647033 "
        "6476ba 649abe 64a3cb 64a5c3 64b0a6 64b9e8 64c753 64d2c4 64e682 680927 682f67 685b35 "
        "68644b 6883cb 68967b 689c70 68a86d 68ab1e 68ae20 68d93c 68dbca 68ef43 68fb7e 68fef7 "
        "6c19c0 6c3e6d 6c4008 6c4a85 6c4d73 6c709f 6c72e7 6c7e67 6c8dc1 6c94f8 6c96cf 6cab31 "
        "6cb133 6cc26b 6ce5c9 6ce85c 701124 7014a6 7022fe 70317f 703c69 703eac 70480f 705681 "
        "70700d 7073cb 7081eb 70a2b3 70aed5 70b306 70cd60 70dee2 70e72c 70ea5a 70ece4 70ef00 "
        "70f087 741bb2 743174 74428b 74650c 74718b 748114 748d08 748f3c 749eaf 74b587 74e1b6 "
        "74e2f5 78028b 7831c1 783a84 784f43 7864c0 7867d7 786c1c 787b8a 787e61 78886d 789f70 "
        "78a3e4 78ca39 78d162 78d75f 78e3de 78fbd8 78fd94 7c0191 7c04d0 7c11be 7c2499 7c296f "
        "7c2aca 7c5049 7c6d62 7c6df8 7c9a1d 7ca1ae 7cab60 7cc180 7cc3a1 7cc537 7cd1c3 7cecb1 "
        "7cf05f 7cfadf 7cfc16 80006e 80045f 800c67 804971 804a14 8054e3 805fc5 80657c 808223 "
        "80929f 80b03d 80be05 80d605 80e650 80ea96 80ed2c 842999 843835 844167 846878 84788b "
        "848506 8489ad 848c8d 848e0c 84a134 84ab1a 84ac16 84ad8d 84b153 84fcac 84fcfe 881908 "
        "881e5a 881fa1 88200d 884d7c 885395 8863df 886440 88665a 8866a5 886b6e 88a479 88a9b7 "
        "88ae07 88b291 88b945 88c08b 88c663 88cb87 88e87f 88e9fe 8c006d 8c2937 8c2daa 8c5877 "
        "8c7aaa 8c7b9d 8c7c92 8c8590 8c861e 8c8ef2 8c8fe9 8c986b 8cec7b 8cfaba 8cfe57 9027e4 "
        "903c92 9060f1 907240 90812a 908158 90840d 908c43 908d6c 909c4a 90a25b 90b0ed 90b21f "
        "90b931 90c1c6 90dd5d 90e17b 90fd61 940c98 941625 945c9a 949426 94ad23 94b01f 94bf2d "
        "94e96a 94ea32 94f6a3 94f6d6 9800c6 9801a7 9803d8 9810e8 98460a 98502e 985aeb 9860ca "
        "98698a 989e63 98a5f9 98b8e3 98ca33 98d6bb 98dd60 98e0d9 98f0ab 98fe94 9c04eb 9c207b "
        "9c28b3 9c293f 9c35eb 9c3e53 9c4fda 9c583c 9c648b 9c760e 9c84bf 9c8ba0 9c924f 9ce33f "
        "9ce65e 9cf387 9cf48e 9cfc01 9cfc28 a01828 a03be3 a04ea7 a04ecf a056f3 a07817 a0999b "
        "a0a309 a0d795 a0edcd a0fbc5 a43135 a45e60 a46706 a477f3 a483e7 a4b197 a4b805 a4c337 "
        "a4c361 a4c6f0 a4cf99 a4d18c a4d1d2 a4d931 a4e975 a4f1e8 a82066 a84a28 a851ab a85b78 "
        "a85bb7 a85c2c a860b6 a8667f a87cf8 a8817e a886dd a88808 a88e24 a88fd9 a8913d a8968a "
        "a8abb5 a8bbcf a8be27 a8fad8 a8fe9d ac007a ac15f4 ac1d06 ac1f74 ac293a ac3c0b ac49db "
        "ac61ea ac7f3e ac87a3 ac88fd ac9085 acbc32 acbcb5 acc906 accf5c ace4b5 acfdec b019c6 "
        "b03495 b035b5 b03f64 b0481a b065bd b067b5 b0702d b08c75 b09fba b0be83 b0ca68 b0de28 "
        "b0e5ef b0e5f9 b0f1d8 b418d1 b41974 b41bb0 b440a4 b44bd2 b456e3 b485e1 b48b19 b49cdf "
        "b4f0ab b4f61c b4fa48 b8098a b8144d b817c2 b8211c b82aa9 b8374a b841a4 b844d9 b8496d "
        "b853ac b85d0a b8634d b8782e b87bc5 b881fa b88d12 b89047 b8b2f8 b8c111 b8c75d b8e60c "
        "b8e856 b8f12a b8f6b1 b8ff61 bc0963 bc3baf bc4cc4 bc52b7 bc5436 bc6778 bc6c21 bc89a7 "
        "bc926b bc9fef bca5a9 bca920 bcb863 bcd074 bce143 bcec5d bcfed9 c01ada c02c5c c04442 "
        "c06394 c0847a c0956d c09ad0 c09f42 c0a53e c0a600 c0b658 c0ccf8 c0cecd c0d012 c0e862 "
        "c0f2fb c40b31 c41234 c41411 c42ad0 c42c03 c435d9 c4618b c48466 c4910c c49880 c4acaa "
        "c4b301 c4c36b c81ee7 c82a14 c8334b c83c85 c869cd c86f1d c88550 c889f3 c8b1cd c8b5b7 "
        "c8bcc8 c8d083 c8e0eb c8f650 cc088d cc08e0 cc20e8 cc25ef cc29f5 cc2db7 cc4463 cc660a "
        "cc69fa cc785f ccc760 ccc95d ccd281 d0034b d023db d02598 d02b20 d03311 d03faa d04f7e "
        "d06544 d0817a d0880c d0a637 d0c5f3 d0d23c d0d2b0 d0dad7 d0e140 d446e1 d45763 d4619d "
        "d461da d468aa d4909c d49a20 d4a33d d4dccd d4f46f d4fb8e d8004d d81c79 d81d72 d83062 "
        "d84c90 d88f76 d89695 d89e3f d8a25e d8bb2c d8be1f d8cf9c d8d1cb d8dc40 d8de3a dc080f "
        "dc0c5c dc2b2a dc2b61 dc3714 dc415f dc5285 dc5392 dc56e7 dc8084 dc86d8 dc9b9c dca4ca "
        "dca904 dcb54f dcd3a2 dcf4ca e02b96 e0338e e05f45 e06678 e06d17 e0897e e0925c e0accb "
        "e0b52d e0b55f e0b9ba e0c767 e0c97a e0eb40 e0f5c6 e0f847 e425e7 e42b34 e450eb e47684 "
        "e48b7f e490fd e498d6 e49a79 e49adc e49c67 e4b2fb e4c63d e4ce8f e4e0a6 e4e4ab e8040b "
        "e80688 e81cd8 e83617 e85f02 e87865 e87f95 e8802e e88152 e8854b e88d28 e8a730 e8b2ac "
        "e8fbe9 ec2651 ec28d3 ec2ce2 ec3586 ec42cc ec852f eca907 ecadb8 ecced7 f01898 f01fc7 "
        "f02475 f02f4b f05cd5 f0766f f07807 f07960 f0989d f099b6 f099bf f0a35a f0b0e7 f0b3ec "
        "f0b479 f0c1f1 f0c371 f0c725 f0cba1 f0d1a9 f0d793 f0dbe2 f0dbf8 f0dce2 f0f61c f40616 "
        "f40e01 f40f24 f41ba1 f421ca f431c3 f434f0 f437b7 f45c89 f465a6 f4afe7 f4beec f4d488 "
        "f4dbe3 f4f15a f4f951 f80377 f81093 f81edf f82793 f82d7c f83880 f84d89 f84e73 f86214 "
        "f8665a f86fc1 f87d76 f887f1 f895ea f8b1dd f8c3cc f8e94e f8ffc2 fc183c fc1d43 fc253f "
        "fc2a9c fc4ea4 fc66cf fcaa81 fcb6d8 fcd848 fce26c fce998 fcfc48",
    ),
    ("NVIDIA", "", "00044b 48b02d"),
    ("Yamaha", "", "00a0de ac44f2"),
    ("Harman", "", "000fd7 00165a 001950 001cd7 2856c1 384554 9c645e 9cdf03 a056b2 f8e877"),
    (
        "Microsoft",
        "",
        "0003ff 000d3a 00125a 00155d 0017fa 001dd8 002248 0025ae 0050f2 042728 0c413e 0ce725 "
        "102f6b 149a10 14cb65 1c1adf 201642 206274 20a99b 2816a8 281878 2c2997 2c5491 300d43 "
        "3059b7 38256b 38563d 38f23e 3c8375 441622 485073 4886e8 4c0bbe 4c3bdf 501ac5 5882a8 "
        "5cba37 5cca1a 6045bd 607edd 686ce6 6c2483 6c2779 6c5d3a 6c8fb5 70bc10 74e28c 7c1e52 "
        "7ced8d 80c5e6 845733 8463d6 906aeb 949aa9 985fd3 987a14 9c6c15 9caa1b a04a5e a085fc "
        "a4516f a88c3e b4ae2b b4e1c4 b831b5 b84fd5 bc8385 c0335e c461c7 c49ded c83f26 c89665 "
        "cc60c8 d0929e d48f33 d8e2df dc9840 dcb4c4 e42aac e498d1 e8a72f ec59e7 ec8350 f01dbc "
        "f06e0b f46ad7",
    ),
    (
        "Nintendo",
        "",
        "0009bf 001656 0017ab 00191d 0019fd 001ae9 001b7a 001bea 001cbe 001dbc 001e35 001ea9 "
        "001f32 001fc5 002147 0021bd 00224c 0022aa 0022d7 002331 0023cc 00241e 002444 0024f3 "
        "0025a0 002659 002709 0403d6 182a7b 1c4586 200bcf 2c10c1 342fbd 34af2c 40d28a 40f407 "
        "48a5e7 582f40 58b03e 58bda3 5c0ce6 5c521e 606bff 64b5c6 702c09 7048f7 70f088 748469 "
        "74f9ca 7820a5 78a2a0 7cbb8a 80d2e5 8c56c5 8ccde8 9458cb 98415c 98b6e9 98e8fa 9ce635 "
        "a438cc a45c27 a4c0e1 b87826 b88aec b8ae6e bc9ebb bcce25 cc5b31 cc9e00 ccfb65 d05509 "
        "d4f057 d86bf7 dc68eb e00c7f e0e751 e0f6b5 e84ece e8a0cd e8da20 ecc40d",
    ),
    (
        "Huawei",
        "other",
        "001882 001e10 002568 00259e 002ec7 0034fe 00464b 004f1a 005a13 006151 00664b 006b6f "
        "00991d 009acd 00be3b 00e0fc 00e406 00f81c 04021f 041892 0425c5 042758 043389 044a6c "
        "044f4c 047503 047970 04885f 048c16 049fca 04b0e7 04bd70 04c06f 04caed 04ccbc 04e795 "
        "04f352 04f938 04fe8d 080205 0819a6 082fe9 08318b 084f0a 085c1b 086361 08798c 087a4c "
        "089356 089e84 08c021 08e84f 08ebf6 08fa28 0c2c54 0c31dc 0c37dc 0c41e9 0c45ba 0c4f9b "
        "0c704a 0c8408 0c8fff 0c96bf 0cb527 0cc6cc 0cd6bd 100177 101b54 102407 10321d 104400 "
        "104780 105172 108ffe 10a4da 10b1f8 10c172 10c3ab 10c61f 1409dc 1413fb 14230a 143004 "
        "143cc3 144658 144920 14579f 145f94 14656a 1489cb 148c4a 149d09 14a0f8 14a51a 14ab02 "
        "14b968 14d11f 14d169 14eb08 18022d 182a57 183d5e 185644 18c58a 18cf24 18d276 18d6dd "
        "18ded7 18e91d 1c151f 1c1d67 1c20db 1c3cd4 1c3d2f 1c4363 1c599b 1c6758 1c73e2 1c7f2c "
        "1c8e5c 1ca681 1caecb 1cb796 1ce504 1ce639 2008ed 200bc7 20283e 202bc1 203db2 205383 "
        "2054fa 20658e 2087ec 208c86 20a680 20a766 20ab48 20da22 20df73 20f17c 20f3a3 2400ba "
        "240995 24166d 241fa0 2426d6 242e02 243154 244427 2446e4 244c07 2469a5 247f3c 2491bb "
        "249745 249eab 24a52c 24bcf8 24da33 24dbac 24df6a 24ebed 24f603 24fb65 2811ec 281709 "
        "283152 283ce4 2841c6 2841ec 28534e 285fdb 2868d2 286ed4 28808a 289e97 28a6db 28b448 "
        "28dee5 28e34e 28e5b0 28fbae 2c0bab 2c1a01 2c2768 2c52af 2c55d3 2c58e8 2c9452 2c97b1 "
        "2c9d1e 2ca79e 2cab00 2ccf58 301984 3037b3 304596 30499e 307496 308730 30a1fa 30c50f "
        "30d17e 30e98e 30f335 30fbb8 30fd65 3400a3 340a98 3412f9 341e6b 342912 342eb6 345840 "
        "346679 346ac2 346bd3 347916 34a2a2 34b354 34cdbe 382028 38378b 3847bc 384c4f 38881e "
        "389052 38bc01 38eb47 38f889 38fb14 3c058e 3c15fb 3c306f 3c4711 3c5447 3c678c 3c7843 "
        "3c869a 3c93f4 3c9d56 3ca161 3ca37e 3ccd5d 3cdfbd 3ce824 3cf808 3cfa43 3cffd8 404d8e "
        "407d0f 40b15c 40cba8 40eedd 44004d 44227c 4455b1 4459e3 446747 446a2e 446ee5 447654 "
        "4482e5 449bc1 44a191 44c346 44d791 44e968 480031 481258 48128f 4827c5 482cd0 482fd7 "
        "483c0c 483fe9 48435a 4846fb 484c29 485702 486276 48706f 487b6b 488eef 48ad08 48b25d "
        "48bd4a 48cdd3 48d539 48db50 48dc2d 48f8db 48fd8e 4c1fcc 4c5499 4c8bef 4c8d53 4cae13 "
        "4cb16c 4cd0cb 4cd0dd 4cd1a1 4cd629 4cf55b 4cf95d 4cfb45 50016b 5001d9 5004b8 5014c1 "
        "501d93 50464a 505dac 506391 50680a 506f77 509a88 509f27 50a72b 54102e 541310 5425ea "
        "5434ef 5439df 54511b 546990 548998 549209 54a51b 54b121 54bad6 54c480 54cf8d 54f6e2 "
        "581f28 582575 582af7 5856c2 58605f 587f66 58aea8 58bad4 58be72 58d061 58d759 58f987 "
        "5c0339 5c0979 5c4ca9 5c546d 5c647a 5c7d5e 5c9157 5ca86a 5cb00a 5cb395 5cb43e 5cc0a0 "
        "5cc307 5ce747 5ce883 5cf96a 6001b1 600810 60109e 60123c 602e20 603d29 604de1 605375 "
        "607ecd 608334 609bb4 60a2c6 60a6c5 60ce41 60d755 60de44 60def3 60e701 60f18a 60fa9d "
        "6413ab 6416f0 642cac 643e8c 645e10 646d4e 646d6c 64a651 64bf6b 64c394 64f81c 681bef "
        "684aae 6881e0 6889c1 688f84 68962e 68a03e 68a0f6 68a828 68cc6e 68d927 68e209 68f543 "
        "6c047a 6c146e 6c1632 6c2636 6c3491 6c442a 6c558d 6c67ef 6c6c0f 6c71d2 6cb749 6cb7e2 "
        "6cd1e5 6cd704 6ce874 6cebb6 70192f 702f35 704e6b 7054f5 70723c 707990 707be8 708a09 "
        "708cb6 709c45 70a8e3 70c7f2 70d313 70fd45 74342b 744d6d 745909 745aaa 7460fa 74882a "
        "749d8f 74a063 74a528 74c14f 74d21d 74e9bf 7817be 781dba 785773 785860 785c5e 786256 "
        "786a89 78b46a 78cf2f 78d752 78dd33 78eb46 78f557 78f5fd 7c004d 7c11cb 7c1ac0 7c1cf1 "
        "7c33f9 7c3985 7c6097 7c669a 7c7668 7c7d3d 7c942a 7ca177 7ca23e 7cb15d 7cc385 7cd9a0 "
        "801382 8038bc 803c20 804126 8054d9 806036 806933 80717a 807d14 80b575 80b686 80d09b "
        "80d4a5 80e1bf 80fb06 8415d3 8421f1 843e92 8446fe 844765 845b12 847637 849fb5 84a8e4 "
        "84a9c4 84ad58 84be52 84dbac 88108f 881196 8828b3 883fd3 884033 88403b 884477 8853d4 "
        "886639 88693d 888603 88892f 88a0be 88a2d7 88bcc1 88bfe4 88c227 88cefa 88cf98 88e056 "
        "88e3ab 88f56e 88f872 8c0d76 8c15c7 8c2505 8c34fd 8c426d 8c683a 8c6d77 8c83e8 8ce5ef "
        "8cebc6 8cfadd 8cfd18 900117 900325 9016ba 90173f 9017ac 9017c8 9025f2 902bd2 903fea "
        "904e2b 905e44 90671c 909497 90a5af 90f970 90f9b7 9400b0 94049c 940b19 940e6b 942533 "
        "94772b 949010 94a4f9 94b271 94d00d 94d2bc 94d54d 94dbda 94e7ea 94fe22 981a35 9835ed "
        "983f60 9844ce 984874 989c57 98e7f5 98f083 9c1d36 9c28ef 9c37f4 9c52f8 9c69d1 9c713a "
        "9c7370 9c741a 9c746f 9c7da3 9cb2b2 9cb2e8 9cbfcd 9cc172 9ce374 a0086f a01c8d a031db "
        "a03679 a0406f a0445c a057e3 a070b7 a08cf8 a08d16 a0a33b a0df15 a0f479 a400e2 a416e7 "
        "a4178b a46da4 a47174 a47cc9 a4933f a49947 a49b4f a4a46b a4ba76 a4bdc4 a4be2b a4c64f "
        "a4caa0 a4dcbe a4dd58 a80c63 a82bcd a83b5c a8494d a85081 a87d12 a8c83a a8ca7b a8d4e0 "
        "a8e544 a8f5ac a8ffba ac075f ac4e91 ac51ab ac5e14 ac6089 ac6175 ac6490 ac751d ac853d "
        "ac8d34 ac9232 ac9929 acb3b5 accf85 acdcca ace215 ace342 ace87b acf970 b00875 b01656 "
        "b05508 b05b67 b0761b b08900 b0a4f0 b0c787 b0e17e b0e5ed b0eb57 b0ecdd b40931 b414e6 "
        "b41513 b43052 b43ae2 b44326 b46142 b46e08 b48655 b48901 b4b055 b4cd27 b4f58e b4fbf9 "
        "b4ff98 b808d7 b85600 b85dc3 b85fb0 b8857b b89436 b89fcc b8bc1b b8c385 b8d6f6 b8e3b1 "
        "bc1e85 bc25e0 bc3d85 bc3f8f bc4ca0 bc620e bc7574 bc7670 bc76c5 bc9930 bc9c31 bcb0e7 "
        "bcd206 bce265 c0060c c03e50 c03fdd c04e8a c07009 c084e0 c08b05 c0a938 c0bc9a c0bfc0 "
        "c0e018 c0e1be c0e3fb c0f4e6 c0f6c2 c0f6ec c0f9b0 c0ffa8 c40528 c40683 c4072f c40d96 "
        "c412ec c416c8 c4345b c4447d c4473f c45e5c c467d1 c469f0 c475ea c486e9 c49f4c c4a402 "
        "c4b8b4 c4d438 c4e287 c4f081 c4fbaa c4ff1f c80cc8 c81451 c81fbe c833e5 c850ce c85195 "
        "c884cf c88d83 c894bb c89f1a c8a776 c8b6d3 c8c2fa c8c465 c8d15e c8e600 cc0577 cc1e97 "
        "cc208c cc3dd1 cc53b5 cc64a6 cc895e cc96a0 cca223 ccb182 ccb7c4 ccba6f ccbbfe ccbce3 "
        "cccc81 ccd73c d016b4 d02db3 d03e5c d04e99 d065ca d06f82 d07ab5 d0c65b d0d04b d0d783 "
        "d0efc1 d0ff98 d440f0 d44649 d44f67 d4612e d462ea d46aa8 d46ba6 d46e5c d48866 d49400 "
        "d494e8 d4a148 d4b110 d4d51b d4f9a1 d80a60 d8109f d82918 d84008 d8490b d85982 d86852 "
        "d86d17 d876ae d88863 d89b3b d8c771 dc094c dc16b2 dc21e2 dc729b dc9088 dc9914 dca782 "
        "dcc64b dcd2fc dcd916 dcee06 dcef80 e00084 e00ce5 e0191d e0247f e02481 e02861 e03676 "
        "e04ba6 e09796 e0a3ac e0aea2 e0cc7a e0da90 e40eee e419c1 e43493 e435c8 e43ec6 e468a3 "
        "e472e2 e47727 e47e66 e48210 e48326 e4902a e4a7c5 e4a8b6 e4c2d1 e4d373 e4dccc e4fb5d "
        "e4fda1 e8088b e8136e e84d74 e84dd0 e86819 e86de9 e884c6 e8a34e e8a660 e8abf3 e8ac23 "
        "e8bdd1 e8cd2d e8d765 e8ea4d e8f654 e8f9d4 ec1a02 ec233d ec388f ec4d47 ec551c ec5623 "
        "ec753e ec7c2c ec819c ec8914 ec8c9a eca1d1 eca62f ecc01b eccb30 f00fec f0258e f02fa7 "
        "f033e5 f03f95 f04347 f063f9 f09838 f09bb8 f0a951 f0c478 f0c850 f0c8b5 f0e4a2 f0f7e7 "
        "f41d6b f44588 f44c7f f4559c f4631f f47960 f48e92 f49ff3 f4a4d6 f4b78d f4bf80 f4c714 "
        "f4cb52 f4dcf9 f4deaf f4e3fb f4e451 f4e5f2 f4fbb8 f800a1 f80113 f823b2 f828c9 f82e3f "
        "f83dff f83e95 f84abf f84cda f85329 f86eee f87588 f89522 f898b9 f898ef f89a25 f89a78 "
        "f8b132 f8bf09 f8c39e f8de73 f8e811 f8f7b9 fc1193 fc122c fc1803 fc1bd1 fc3f7c fc48ef "
        "fc4da6 fc73fb fc8743 fc9435 fcab90 fcbcd1 fce33c",
    ),
    (
        "OnePlus",
        "other",
        "2ca7ef 30bb7d 4801c5 487412 4c4fee 5c17cf 64a2f9 8c64a2 94652d 9809cf a091a2 ac5fea "
        "acd618 c0eefb d0497c e44122",
    ),
    (
        "Motorola",
        "other",
        "00b8b6 04d395 08aa55 08cc27 0ccb85 0cec8d 141aa3 1430c6 1c56fe 20b868 2446c8 24da9b "
        "3009c0 304b07 3083d2 34bb26 3880df 38e39f 40786a 408805 441c7f 4480eb 58d9c3 5c5188 "
        "601d91 60beb5 6411a4 68871c 68c44d 6c976d 8058f8 806c1b 84100d 88797e 88b4a6 8cf112 "
        "9068c3 90735a 9cd917 a0465a a470d6 a89675 b07994 b898ad bc1d89 bc98df bcffeb c06b55 "
        "c08c71 c85895 c8c750 cc0df2 cc61e5 ccc3ea d00401 d07714 d463c6 d4c94b d8cfbf dcbfe9 "
        "e0757d e09861 e4907e e89120 ec08e5 ec8892 f0d7aa f4f1e1 f4f524 f81f32 f8cfc5 f8e079 "
        "f8f1b6 fcd436",
    ),
    (
        "OPPO",
        "other",
        "084acf 0c938f 14472d 145e69 149bf3 14c697 18d0c5 18d717 1c0219 1c427d 1c48ce 1c77f6 "
        "1cc3eb 1cddea 2064cb 20826a 2406aa 24753a 2479f3 2c5bb8 2c5d34 2ca9f0 2cfc8b 301aba "
        "304f00 307f10 308454 30e7bc 34479a 38295a 388abe 3cf591 408c1f 440444 4466fc 44aeab "
        "4877bd 4883b4 489507 4c189a 4c1a3d 4c50f1 4c6f9c 4ceaae 5029f5 503cea 50874d 540e58 "
        "546706 587a6a 58c6f0 58d697 5c666c 6007c4 602101 60d4e9 6c5c14 6cd71f 70dda8 74ef4b "
        "7836cc 7c6b9c 846fce 8803e9 885a06 88d50c 8c0ee3 8c3401 9454ce 94d029 986f60 9c0cdf "
        "9c5f5a 9cf531 a09347 a0941a a40f98 a41232 a43d78 a4c939 a4f05e a81b5a a89892 ac7352 "
        "ac764c acc4bd b04692 b0aa36 b0b5c3 b0c952 b4205b b4a5ac b4cb57 b83765 b8c74a b8c9b5 "
        "bc3aea c02e25 c09f05 c0ede5 c440f6 c4e1a1 c4e39f c4fe5b c8f230 cc2d83 d41a3f d4503f "
        "d467d3 d81edd dc5583 dc6dcd dca956 e40cfd e433ae e44790 e4936a e4c483 e8bba8 ec01ee "
        "ec51bc ecf342 f06728 f06d78 f079e8 f4d620 fc041c fca5d0",
    ),
    (
        "vivo",
        "other",
        "0823b2 087f98 08b3af 08fa79 0c20d3 0c6046 10bc97 10f681 14dd9c 1802ae 18e29f 18e777 "
        "1cda27 20311c 203b69 205d47 207454 20f77c 283166 28a53f 28be43 28faa0 2c4881 2c9d65 "
        "2cffee 309435 30afce 34e911 38384b 386ea2 3c86d1 3ca2c3 3ca348 3ca581 3ca616 3cb6b7 "
        "449ef9 488764 488ae8 4cc00a 50e7b7 540e2d 5419c8 5c1cb9 6091f3 642c0f 6c1ed7 6c24a6 "
        "6cd94c 7047e9 70788b 708f47 70b7aa 70d923 808a8b 886ab1 88f7bf 8c49b6 8c6794 90adf7 "
        "90c54a 90d473 94147a 9431cb 946372 987ee3 98c8b8 9c8281 9ca5c0 9ce82b 9cfbd5 a022de "
        "a490ce a81306 b03366 b40fb3 b80716 b8d43e bc2f3d bc3ecb c04754 c46699 c4abb2 cc812a "
        "d09cae d463de d4bbc8 d4ecab d8a315 dc1ac5 dc31d1 dc8c1b e013b5 e0ddc0 e45aa2 e4f1d4 "
        "ec7d11 ecdf3a f01b6c f42981 f463fc f470ab f4b7b3 f4bbc7 f8e7a0 fc1a11 fc1d2a fcbe7b",
    ),
    (
        "Intel",
        "other",
        "0012f0 001302 001320 0013ce 0013e8 001500 001517 00166f 001676 0016ea 0016eb 0018de "
        "0019d1 0019d2 001b21 001b77 001cbf 001cc0 001de0 001de1 001e64 001e65 001e67 001f3b "
        "001f3c 00215c 00215d 00216a 00216b 0022fa 0022fb 002314 002315 0024d6 0024d7 0026c6 "
        "0026c7 00270e 002710 0028f8 004238 00919e 009337 00a554 00bb60 00c2c6 00d49e 00d76d "
        "00dbdf 00e18c 0433c2 0456e5 046c59 04cf4b 04d3b0 04e8b9 04ea56 04ecd8 04ed33 081196 "
        "085bd6 086ac5 087190 088e90 089df4 08d23e 08d40c 0c5415 0c7a15 0c8bfd 0c9192 0c9a3c "
        "0cd292 0cdd24 1002b5 100ba9 102e00 103d1c 104a7d 105107 10a51d 10f005 10f60a 1418c3 "
        "144f8a 14755b 14857f 14abc5 14f6d8 181dea 182649 183da2 185680 185e0f 18cc18 18ff0f "
        "1c1bb5 1c4d70 1c9957 1cc10c 2016b9 201e88 203a43 207918 20c19b 24418c 247703 24ee9a "
        "2811a8 2816ad 286b35 287fcf 28b2bd 28c5d2 28c63f 28d0ea 28dfeb 2c0da7 2c3358 2c6dc1 "
        "2c6e85 2c8db1 2cdb07 300505 302432 303a64 303ea7 30894a 30e37a 30f6ef 340286 3413e8 "
        "342eb7 34415d 347df6 34c93d 34cff6 34de1a 34e12d 34e6ad 34f39a 34f64b 380025 386893 "
        "387a0e 3887d5 38baf8 38dead 38fc98 3c219c 3c58c2 3c6aa7 3c9c0f 3ca9f4 3ce9f7 3cf011 "
        "3cf862 3cfdfe 401c83 4025c2 4074e0 40a3cc 40a6b7 40ec99 44032c 444988 448500 44af28 "
        "44e517 484520 4851b7 4851c5 48684a 4889e7 48a472 48ad9a 48f17f 4c034f 4c1d96 4c3488 "
        "4c445b 4c77cb 4c796e 4c79ba 4c8093 4ceb42 50284a 502da2 502f9b 5076af 507c6f 508492 "
        "50e085 50eb71 5414f3 546ceb 548d5a 581cf8 586c25 586d67 5891cf 58946b 58961d 58a023 "
        "58a839 58ce2a 58fb84 5c514f 5c5f67 5c80b6 5c879c 5cc5d4 5ccd5b 5cd2e4 5ce0c5 5ce42a "
        "6036dd 605718 606720 606c66 60a5e2 60dd8e 60e32b 60f262 60f677 6432a8 64497d 644c36 "
        "645d86 646ee0 6479f0 648099 64bc58 64d4da 64d69a 6805ca 680715 681729 683e26 68545a "
        "685d43 687a64 68ecc5 6c2995 6c6a77 6c8814 6c9466 6ca100 6cfe54 701ab8 701ce7 703217 "
        "709cd1 70a6cc 70a8d3 70cd0d 70cf49 70d823 7404f1 7413ea 743af4 7470fd 74d83e 74e50b "
        "74e5f9 780cb8 782b46 78929c 78af08 78ff57 7c214a 7c2a31 7c5079 7c5cf8 7c67a2 7c70db "
        "7c7635 7c7a91 7cb0c2 7cb27d 7cb566 7cccb8 80000b 801934 803253 8038fb 8045dd 8086f2 "
        "809b20 80b655 84144d 841b77 843a4b 845cf3 84683e 847b57 84a6c8 84c5a6 84ef18 84fdd1 "
        "88532e 887873 88b111 88d82e 8c1759 8c1d96 8c554a 8c705a 8c8d28 8ca982 8cb87e 8cc681 "
        "8cf8c5 9009df 902e1c 9049fa 9061ae 906584 907841 90ccdf 90e2ba 94659c 94b86d 94e23c "
        "94e6f7 94e70b 982cbc 983b8f 9843fa 984fee 98541b 98597a 988d46 98af65 9c2976 9c4e36 "
        "9cda3e 9cfce8 a02942 a0369f a0510b a05950 a08069 a08869 a088b4 a0a4c5 a0a8cd a0afbd "
        "a0c589 a0d37a a0e70b a402b9 a434d9 a4423b a44e31 a46bb6 a4b1c1 a4bf01 a4c3f0 a4c494 "
        "a4f933 a864f1 a86daa a87eea ac1203 ac198e ac2b6e ac5afc ac675d ac7289 ac74b1 ac7ba1 "
        "ac8247 aced5c acfdce b0359f b03cdc b06088 b07d64 b0a460 b0dcef b40ede b46921 b46bfc "
        "b46d83 b48351 b49691 b4b676 b4d5bd b80305 b808cf b88198 b88a60 b89a2a b8b81e b8bf83 "
        "bc0358 bc091b bc0f64 bc17b8 bc542f bc6ee2 bc7737 bca8a6 bcf171 c03c59 c0a5e8 c0b6f9 "
        "c0b883 c403a8 c42360 c43d1a c475ab c48508 c4bde5 c4d0e3 c4d987 c809a8 c82158 c8348e "
        "c858c0 c85ea9 c8b29b c8cb9e c8e265 c8f733 cc1531 cc2f71 cc3d82 ccd9ac ccf9e4 d03c1f "
        "d0577b d07e35 d0abd5 d0c637 d4258b d43b04 d4548b d46d6d d4d252 d4d853 d4e98a d83bbf "
        "d8f2ca d8f883 d8fc93 dc1ba1 dc2148 dc215c dc41a9 dc4628 dc5360 dc7196 dc8b28 dca971 "
        "dcfb48 e02be9 e02e0b e09467 e09d31 e0c264 e0d045 e0d464 e0d4e8 e4029b e40d36 e442a6 "
        "e45e37 e46017 e470b8 e4a471 e4a7a0 e4b318 e4f89c e4fafd e4fd45 e82aea e884a5 e8b1fc "
        "e8f408 ec63d7 ece7a7 f0421c f057a6 f077c3 f09e4a f0b2b9 f0b61e f0d415 f0d5bf f40669 "
        "f42679 f43bd8 f44637 f44ee3 f46d3f f47b09 f48c50 f49634 f4a475 f4b301 f4c88a f4ce23 "
        "f4d108 f81654 f83441 f85971 f85ea0 f8633f f894c2 f89e94 f8ac65 f8b54d f8e4e3 f8f21e "
        "fc4482 fc7774 fcb3bc fcf8ae",
    ),
    (
        "Dell",
        "other",
        "00065b 000874 000bdb 000d56 000f1f 001143 00123f 001372 001422 0015c5 00188b 0019b9 "
        "001aa0 001c23 001d09 001e4f 001ec9 002170 00219b 002219 0023ae 0024e8 002564 0026b9 "
        "004e01 00b0d0 00be43 00c04f 04bf1b 089204 0c29ef 106530 107d1a 109836 141877 149ecf "
        "14b31f 14feb5 180373 185a58 1866da 18a99b 18dbf2 18fb7b 1c4024 1c721d 20040f 204747 "
        "246e96 247152 24b6fd 28f10e 2cea7f 30d042 3417eb 3448ed 34735a 34e6d7 381428 3c2c30 "
        "405cfd 44a842 484d7e 4c7625 4cd98f 509a4c 544810 549f35 54bf64 588a5a 5c260a 5cf9dd "
        "601895 605b30 64006a 684f64 6c2b59 6c3c8c 70b5e8 747827 74867a 7486e2 74e6e2 782bcb "
        "7845c4 78ac44 801844 842b2b 847beb 848f69 886fd4 8c04ba 8c47be 8cec4b 908d6e 90b11c "
        "9840bb 989096 98e743 a02919 a41f72 a44cc8 a4badb a4bb6d a89969 b04f13 b07b25 b083fe "
        "b44506 b4e10f b82a72 b88584 b8ac6f b8ca3a b8cb29 bc305b c025a5 c03eba c45ab1 c81f66 "
        "c84bd6 c8f750 cc483a cc96e5 ccc5e5 d0431e d067e5 d08e79 d09466 d481d7 d4ae52 d4bed9 "
        "d89ef3 d8d090 dcf401 e0d848 e0db55 e4434b e454e8 e4b97a e4f004 e8b5d0 ec2a72 ecf4bb "
        "f01faf f04da2 f0d4e2 f40270 f48e38 f4ee08 f8b156 f8bc12 f8cab8 f8db88",
    ),
    (
        "HP",
        "other",
        "0001e6 0001e7 0002a5 0004ea 000802 000883 0008c7 000a57 000bcd 000d9d 000e7f 000eb3 "
        "000f20 000f61 001083 0010e3 00110a 001185 001279 001321 0014c2 001560 001635 001708 "
        "0017a4 001871 0018fe 0019bb 001a4b 001b78 001cc4 001e0b 001f29 00215a 002264 00237d "
        "002481 0025b3 002655 00306e 0030c1 00508b 0060b0 0068eb 00805f 0080a0 009c02 040e3c "
        "080009 082e5f 101f74 10604b 1062e5 10e7c6 1458d0 14cb19 186024 18a905 1cc1de 24be05 "
        "288023 28924a 2c233a 2c27d7 2c4138 2c44fd 2c59e5 2c768a 3024a9 308d99 30e171 3464a9 "
        "3822e2 3863bb 38ca84 38eaa7 3c4a92 3c5282 3ca82a 3cd92b 40a8f0 40b034 441ea1 443192 "
        "480fcf 489ebd 48ba4e 5065f3 508140 5820b1 5c60ba 5c8a38 5cb901 643150 645106 68b599 "
        "6c02e0 6c3be5 6cc217 705a0f 7446a0 784859 78acc0 78e3b5 78e7d1 80c16e 80ce62 80e82c "
        "842afd 843497 846993 84a93e 8851fb 8cdcd4 9457a5 984be1 98e7f4 9c7bef 9c8e99 9cb654 "
        "a01d48 a02bb8 a0481c a08cfd a0b3cc a0d3c1 a45d36 a8b13b ac162d ace2d3 b00cd1 b0227a "
        "b05ada b05cda b499ba b4b52f b4b686 b8af67 bce92f bceafa c01803 c4346b c46516 c85acf "
        "c8cbb8 c8d3ff c8d9d2 cc3e5f d07e28 d0bf9c d48564 d4c9ef d89d67 d8d385 dc4a3e e070ea "
        "e4115b e4e749 e83935 e8d8d1 ec8eb5 ec9a74 ecb1d7 f0921c f430b9 f43909 f4ce46 f80dac "
        "f8b46a fc15b4 fc3fdb",
    ),
    (
        "Lenovo",
        "other",
        "0012fe 005907 10c595 1436c6 149fe8 207693 48c35a 503cc4 60d9a0 6c5f1c 70720d 74042b "
        "809621 80cf41 88708c 98ffd0 a03299 a41194 a48cdb ac3870 c8ddc9 cc07e4 d4223f d87157 "
        "e02cb2 ec89f5",
    ),
    (
        "ASUS",
        "other",
        "000c6e 000ea6 00112f 0011d8 0013d4 0015f2 001731 0018f3 001a92 001bfc 001d60 001e8c "
        "001fc6 002215 002354 00248c 002618 00e018 04421a 049226 04d4c4 04d9f5 08606e 086266 "
        "0c9d92 107b44 10bf48 10c37b 14dae9 14dda9 1831bf 1c872c 1cb72c 20cf30 244bfe 2c4d54 "
        "2c56dc 2cfda1 305a3a 3085a9 3497f6 382c4a 38d547 3c7c3f 40167e 40b076 485b39 4cedfb "
        "50465d 50ebf6 5404a6 54a050 581122 6045cb 60a44c 704d7b 708bcd 74d02b 7824af 7c10c9 "
        "88d7f6 90e6ba 9c5c8e a036bc a85e45 ac220b ac9e17 b06ebf bcaec5 bcee7b c86000 c87f54 "
        "d017c2 d45d64 d850e6 e03f49 e0cb4e f02f74 f07959 f46d04 f832e4 fc3497 fcc233",
    ),
    ("Raspberry Pi", "other", "28cdc1 b827eb dca632 e45f01"),
    ("Brother", "other", "001ba9 008077 30055c 3c2af4 b42200"),
    (
        "Canon",
        "other",
        "000085 001e8f 00bbc1 180cac 2c9efc 349f7b 40f8df 5c625a 60128b 6c3c7c 7438b7 74bfc0 "
        "84ba3b 888717 9c32ce d8492f f48139 f4a997 f80d60 f8a26d",
    ),
    (
        "Epson",
        "other",
        "000048 0026ab 381a52 389d92 44d244 50579c 64eb8c 9caed3 a4d73c a4ee57 ac1826 b0e892 "
        "dccd2f e0bb9e f82551 f8d027",
    ),
    ("Synology", "other", "001132 9009d0"),
    ("QNAP", "other", "245ebe e843b6"),
    ("Signify", "other", "001788 c42996 ecb5fa"),
    (
        "Espressif",
        "other",
        "083a8d 083af2 08b61f 0c8b95 0cb815 0cdc7e 10521c 1091a8 1097bd 18fe34 1c9dc2 240ac4 "
        "244cab 2462ab 246f28 24a160 24b2de 24d7eb 2c3ae8 2cf432 308398 30aea4 30c6f7 348518 "
        "34865d 349454 34ab95 34b472 3c6105 3c71bf 3ce90e 4022d8 409151 40f520 441793 4827e2 "
        "483fda 485519 48e729 4c11ae 4c7525 4cebd6 500291 5443b2 545aa6 58bf25 58cf79 5ccf7f "
        "600194 6055f9 64e833 686725 68b6b3 68c63a 70039f 70041d 70b8f6 782184 78e36d 7c87ce "
        "7c9ebd 7cdfa1 80646f 807d3a 840d8e 84cca8 84f3eb 84f703 84fce6 8c4b14 8caab5 8cce4e "
        "90380c 9097d5 943cc6 94b555 94b97e 94e686 98cdac 98f4ab 9c9c1f a020a6 a0764e a0b765 "
        "a47b9d a4cf12 a4e57c a8032a a842e3 a848fa ac0bfb ac67b2 acd074 b48a0a b4e62d b8d61a "
        "b8f009 bcddc2 bcff4d c049ef c04e30 c44f33 c45bbe c4dd57 c4dee2 c82b96 c8c9a3 c8f09e "
        "cc50e3 ccdba7 d4d4da d4f98d d8a01d d8bfc0 d8f15b dc4f22 dc5475 e05a1b e09806 e0e2e6 "
        "e831cd e868e7 e89f6d e8db84 ec6260 ec94cb ecda3b ecfabc f008d1 f412fa f4cfa2 fcf5c4",
    ),
    (
        "TP-Link",
        "other",
        "000aeb 001478 0019e0 001d0f 002127 0023cd 002586 002719 003192 005f67 081f71 085700 "
        "0c4b54 0c722c 0c8063 0c8268 1027f5 10feed 147590 148692 14cc20 14cf92 14e6e4 14ebb6 "
        "18a6f7 18d6c7 18f22c 1c3bf3 1c4419 1c61b4 1cfa68 203626 206be7 20dce6 246968 282cb2 "
        "2887ba 28ee52 30b49e 30b5c2 30de4b 30fc68 3460f9 349672 34e894 34f716 388345 3c06a7 "
        "3c46d8 3c846a 40169f 403f8c 44b32d 480eec 487d2e 503eaa 50bd5f 50c7bf 50d4f7 50fa84 "
        "547595 54a703 54af97 54c80f 54e6fc 584120 5c63bf 5c899a 5ca6e6 6032b1 603a7c 60a4b7 "
        "60e327 645601 6466b3 646e97 647002 687724 687ff0 68ff7b 6c5ab0 6cb158 6ce873 704f57 "
        "7405a5 74da88 74ea3a 7844fd 78a106 7c8bca 7cb59b 7cc2c6 808917 808f1d 80ea07 8416f9 "
        "84d81b 882593 8c210a 8ca6df 909a4a 90ae1b 90f652 940c6d 94d9b3 984827 9897cc 98dac4 "
        "98ded0 9c216a 9ca2f4 9ca615 a0f3c1 a41a3a a42bb0 a8154d a8574e ac15a2 ac84c6 b0487a "
        "b04e26 b09575 b0958e b0a7b9 b0be76 b4b024 b8f883 bc4699 bcd177 c006c3 c025e9 c04a00 "
        "c06118 c0c9e3 c0e42d c46e1f c47154 c4e984 cc08fb cc32e5 cc3429 cc68b6 d03745 d076e7 "
        "d0c7c0 d4016d d46e0e d807b6 d80d17 d8150d d84732 d85d4c dc0077 dcfe18 e005c5 e4c32a "
        "e4d332 e848b8 e894f6 e8de27 ec086b ec172f ec26ca ec6073 ec888f f0f336 f42a7d f46d2f "
        "f483cd f4848d f4ec38 f4f26d f81a67 f88c21 f8d111 fcd733",
    ),
    (
        "AVM",
        "other",
        "1ced6f 2c3afd 2c91ab 3810d5 3c3712 3ca62f 444e6d 50e636 5c4979 74427f 7cff4d 989bcb "
        "b0f208 c80e14 ccce1e d012cb dc15c8 dc396f e0286d e8df70 f0b014",
    ),
    (
        "Netgear",
        "other",
        "00095b 000fb5 00146c 00184d 001b2f 001e2a 001f33 00223f 0024b2 0026f2 008ef2 04a151 "
        "08028e 0836c9 08bd43 100c6b 100d7f 10da43 1459c0 200cc8 204e7f 20e52a 288088 28c68e "
        "2c3033 2cb05d 30469a 3498b5 3894ed 3c3786 405d82 4494fc 44a56e 4c60de 504a6e 506a03 "
        "6cb0ce 6ccdd6 744401 78d294 803773 80cc9c 841b5e 8c3bad 941865 94a67e 9c3dcf 9cc9eb "
        "9cd36d a00460 a021b7 a040a0 a06391 a42b8c b03956 b07fb9 b0b98a bca511 c03f0e c0ffd4 "
        "c40415 c43dc7 c89e43 cc40d0 dcef09 e0469a e046ee e091f5 e4f4c6 e8fcaf f87394",
    ),
    (
        "Ubiquiti",
        "other",
        "00156d 002722 0418d6 18e829 245a4c 24a43c 44d9e7 602232 687251 68d79a 70a741 7483c2 "
        "74acb9 784558 788a20 802aa8 942a6f ac8ba9 b4fbe4 d021f9 dc9fdb e063da e43883 f09fc2 "
        "f492bf f4e2c6 fcecda",
    ),
    ("Fitbit", "other", "1800db 58a87b 5c75af f051ea"),
)

_BY_OUI: dict[str, tuple[str, OuiHint]] = {
    oui: (vendor, hint) for vendor, hint, ouis in _TABLE for oui in ouis.split()
}


def vendor_count() -> int:
    """Return how many OUIs the bundled table knows."""
    return len(_BY_OUI)


def is_locally_administered(mac: str) -> bool:
    """Return True when ``mac`` is valid and locally administered (randomised)."""
    normalized = normalize_mac(mac) if isinstance(mac, str) else None
    return normalized is not None and bool(int(normalized[:2], 16) & 0x02)


def lookup(mac: str) -> OuiInfo | None:
    """Look up the vendor of ``mac``; None when it is not a valid MAC. Never raises."""
    normalized = normalize_mac(mac) if isinstance(mac, str) else None
    if normalized is None:
        return None
    first = int(normalized[:2], 16)
    oui = normalized[:8]
    randomised = bool(first & 0x02)
    multicast = bool(first & 0x01)
    if randomised:
        return OuiInfo(oui=oui, vendor=None, hint="", randomised=True, multicast=multicast)
    entry = _BY_OUI.get(oui.replace(":", ""))
    if entry is None:
        return OuiInfo(oui=oui, vendor=None, hint="", randomised=False, multicast=multicast)
    return OuiInfo(oui=oui, vendor=entry[0], hint=entry[1], randomised=False, multicast=multicast)
