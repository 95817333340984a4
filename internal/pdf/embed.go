package pdf

import (
	"crypto/md5"
	"fmt"
	"mime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
)

// maxEmbeddedFileSize bounds one embedded file, which is held in memory
// twice (plain and compressed) while the PDF is written.
const maxEmbeddedFileSize = 50 << 20

// afRelationships are the /AFRelationship values of PDF 2.0 (14.13.2).
var afRelationships = []string{
	"Source", "Data", "Alternative", "Supplement", "EncryptedPayload", "FormData", "Schema", "Unspecified",
}

// validateFiles checks the files to embed before the PDF is read, with
// errors naming files[i] and the offending field.
func validateFiles(files []esign.EmbeddedFile) error {
	seen := make(map[string]bool, len(files))
	for i, f := range files {
		field := fmt.Sprintf("files[%d]", i)
		if err := validateFileName(field+".name", f.Name); err != nil {
			return err
		}
		if seen[f.Name] {
			return esign.Invalid(field+".name", fmt.Sprintf("%q is embedded twice", f.Name))
		}
		seen[f.Name] = true
		if f.Relationship != "" && !slices.Contains(afRelationships, f.Relationship) {
			return esign.Invalid(field+".relationship", fmt.Sprintf("%q is not one of %s",
				f.Relationship, strings.Join(afRelationships, ", ")))
		}
		if _, ok := mediaType(f.MIMEType); !ok {
			return esign.Invalid(field+".mime_type", fmt.Sprintf("%q is not a MIME type such as application/json", f.MIMEType))
		}
		if len(f.Data) > maxEmbeddedFileSize {
			return esign.Invalid(field+".data", fmt.Sprintf("the file is %d bytes; at most %d can be embedded",
				len(f.Data), maxEmbeddedFileSize))
		}
	}
	return nil
}

// validateFileName accepts plain file names only: a PDF file specification
// string treats "/" as a path separator, and viewers save attachments
// under this name.
func validateFileName(field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return esign.Invalid(field, "the file needs a name")
	case !utf8.ValidString(name):
		return esign.Invalid(field, "the name is not valid UTF-8")
	case strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, unicode.IsControl):
		return esign.Invalid(field, fmt.Sprintf("%q is not a plain file name", name))
	}
	return nil
}

// mediaType returns the bare media type of a MIME type ("" when it is
// empty) and reports whether it parses.
func mediaType(mimeType string) (string, bool) {
	if mimeType == "" {
		return "", true
	}
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil || !strings.Contains(mt, "/") {
		return "", false
	}
	return mt, true
}

// addFileSpec adds f's embedded file stream and file specification to doc
// and returns a reference to the file specification.
func addFileSpec(doc *model.Context, f esign.EmbeddedFile) (types.IndirectRef, error) {
	stream, err := addEmbeddedFileStream(doc, f)
	if err != nil {
		return types.IndirectRef{}, err
	}
	relationship := f.Relationship
	if relationship == "" {
		relationship = "Unspecified" // what an absent entry means
	}
	spec := types.Dict{
		"Type":           types.Name("Filespec"),
		"F":              textString(f.Name),
		"UF":             textString(f.Name),
		"AFRelationship": types.Name(relationship),
		"EF":             types.Dict{"F": stream, "UF": stream},
	}
	if f.Description != "" {
		spec["Desc"] = textString(f.Description)
	}
	ref, err := doc.IndRefForNewObject(spec)
	if err != nil {
		return types.IndirectRef{}, fmt.Errorf("embed %s: add file specification: %w", f.Name, err)
	}
	return *ref, nil
}

// addEmbeddedFileStream adds f's data as a Flate-compressed /EmbeddedFile
// stream. /Params holds the uncompressed size, the MD5 checksum that PDF
// defines for it, and the modification date when there is one; no date is
// invented, so the same input always gives the same stream.
func addEmbeddedFileStream(doc *model.Context, f esign.EmbeddedFile) (types.IndirectRef, error) {
	sum := md5.Sum(f.Data)
	params := types.Dict{
		"Size":     types.Integer(len(f.Data)),
		"CheckSum": types.NewHexLiteral(sum[:]),
	}
	if !f.ModTime.IsZero() {
		params["ModDate"] = types.StringLiteral(types.DateString(f.ModTime.UTC()))
	}
	d := types.Dict{"Type": types.Name("EmbeddedFile"), "Params": params}
	if mt, _ := mediaType(f.MIMEType); mt != "" {
		d["Subtype"] = types.Name(mt) // written as /application#2Fjson
	}
	ref, err := doc.IndRefForNewObject(flateStream(d, f.Data))
	if err != nil {
		return types.IndirectRef{}, fmt.Errorf("embed %s: add stream: %w", f.Name, err)
	}
	return *ref, nil
}

// textBytes encodes s as a PDF text string: ASCII as it is, anything else
// as UTF-16BE with a byte order mark.
func textBytes(s string) []byte {
	if isASCII(s) {
		return []byte(s)
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// textString is s as a PDF string object: a literal for printable ASCII,
// hexadecimal for UTF-16.
func textString(s string) types.Object {
	return stringObject(textBytes(s))
}

func stringObject(b []byte) types.Object {
	if isASCII(string(b)) {
		if escaped, err := types.Escape(string(b)); err == nil {
			return types.StringLiteral(*escaped)
		}
	}
	return types.NewHexLiteral(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
