// The fonts GSign draws typed signatures in (internal/pdf/sigfont). The
// binary serves each at /app/fonts/{id}.ttf, and style.css declares each as
// the family "GSign {id}", so a preview uses the very glyphs of the result.
// The ids are the server's: a signature records the one it was drawn in.

/** SignatureFont is one font a signer can type a signature in. */
export interface SignatureFont { id: string; name: string }

/** signatureFonts are offered in this order; the first is the server's
 * default, used when a typed signature names no font. */
export const signatureFonts: readonly SignatureFont[] = [
  { id: "go-italic", name: "Go Italic" },
  { id: "dancing-script", name: "Dancing Script" },
  { id: "great-vibes", name: "Great Vibes" },
  { id: "caveat", name: "Caveat" },
];

/** fontClass is the class that sets an element in the font (style.css). */
export function fontClass(id: string | undefined): string {
  const known = signatureFonts.some((f) => f.id === id);
  return "sigfont-" + (known ? id : signatureFonts[0].id);
}
