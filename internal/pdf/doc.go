// Package pdf implements GSign's PDF ports with pdfcpu: Inspector checks
// uploads (esign.PDFInspector), Stamper draws field values onto pages and
// embeds files such as the evidence as associated files (esign.Stamper),
// Merger concatenates documents before they are sealed (esign.Merger) and
// SignatureRenderer renders typed signatures as images
// (esign.SignatureRenderer).
//
// Stamp coordinates are points from the top-left corner of the page as a
// viewer displays it: inside the crop box, after /Rotate. Each stamp is
// drawn in an upright local space mapped onto the page's user space, so the
// result reads the right way up on rotated and cropped pages alike.
//
// Input reaches pdfcpu only inside guard, which recovers its panics, so
// hostile uploads surface as *esign.Error values, never as crashes.
package pdf
