package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// secretKey decodes a whsec_ secret into its HMAC key. The Standard
// Webhooks specification asks for keys of 24 to 64 bytes.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, esign.WebhookSecretPrefix)
	if !ok {
		return nil, fmt.Errorf("webhook secret lacks the %s prefix", esign.WebhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("webhook secret is not base64: %w", err)
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("webhook secret has %d bytes, want 24 to 64", len(key))
	}
	return key, nil
}

// Signature returns the webhook-signature header of a message: one
// space-separated "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per
// secret, so that during a rotation's overlap a receiver that knows either
// secret accepts it.
func Signature(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	prefix := id + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(prefix))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
