// Package pades seals PDFs: it signs a finished document with the
// platform's seal certificate as a PAdES baseline B-T signature (ETSI EN
// 319 142-1) appended in an incremental update, so that every byte of the
// original, including earlier signatures, stays as it was.
//
// The package holds its own minimal PDF reader rather than a full PDF
// library, because sealing must not load or rewrite the document: Reader
// reads the trailer chain (classic xref tables, xref streams and hybrid
// files), then only the objects the update touches (catalog, AcroForm,
// first page), straight from an io.ReaderAt. Seal then streams the original
// to the output through the hash in large chunks, hashing on a second
// goroutine, and appends the update, which is small and built in memory.
// Memory use is a few megabytes whatever the document's size.
//
// The signature is a detached CMS SignedData with exactly the signed
// attributes PAdES asks for (content-type, message-digest,
// signing-certificate-v2; no signing-time, the time is in /M) and an
// RFC 3161 signature timestamp as unsigned attribute. It is written with a
// few DER helpers: general-purpose PKCS #7 libraries add signing-time.
// Without a timestamp there is no seal: a TSA failure fails Seal.
//
// pdfcpu may prepare documents before sealing; nothing may rewrite them
// after.
package pades
