/* index/hashtype.h - internal: hash type names as the exchanges spell them,
 * for the list readers and hs_hash_type_parse alike. */
#ifndef HS_INDEX_HASHTYPE_H
#define HS_INDEX_HASHTYPE_H

#include <stddef.h>

/* The hs_hash_type named by s (n bytes), or -1 (no error set): case, '_'
 * and '-' ignored, then any "hash", "video", "photo", "image" in front, so
 * pytx signal names (pdq, video_md5), ThreatExchange indicator types
 * (HASH_PDQ, HASH_VIDEO_MD5, VIDEO_HASH_MD5) and StopNCII signal types
 * (ImagePDQ, VideoMD5) all resolve. */
int hash_type_lookup(const char *s, size_t n);

#endif
