package esign

// Credential is a bearer credential as Authenticate reads it, in one go:
// the access token or API key, its user and the user's teams (every
// authenticated request needs all three).
type Credential struct {
	// Token is an access token's row; nil for an API key.
	Token *AuthToken
	// APIKey is an API key's row; nil for an access token.
	APIKey *APIKey
	// User is the credential's user, removed or not.
	User *User
	// TeamIDs are the user's teams, in id order.
	TeamIDs []string
}
