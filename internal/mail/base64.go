package mail

import (
	"encoding/base64"
	"io"
)

// writeBase64Lines writes data base64-encoded in 76-character lines, as
// RFC 2045 requires.
func writeBase64Lines(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(76, len(enc))
		if _, err := io.WriteString(w, enc[:n]+"\r\n"); err != nil {
			return err
		}
		enc = enc[n:]
	}
	return nil
}
