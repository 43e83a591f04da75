/* core/textsafe.h - internal: the UTF-8 reader shared by the JSON writer
 * and the escapers of core/textsafe.c (public ones in hashsweep/core.h). */
#ifndef HS_CORE_TEXTSAFE_H
#define HS_CORE_TEXTSAFE_H

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there
 * are not one (a stray continuation byte, an overlong form, a surrogate,
 * a sequence cut short). *cp receives the code point when valid. */
int text_utf8_len(const unsigned char *s, unsigned *cp);

#endif
