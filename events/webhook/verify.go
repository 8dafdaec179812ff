package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// SignSHA256 returns the hex HMAC-SHA256 of body under secret, the signature
// GitHub, Gitea and Forgejo send.
func SignSHA256(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySHA256 checks a hex HMAC-SHA256 signature of body against every
// non-empty secret (several during a rotation) with hmac.Equal. Every secret
// is tried, whether or not an earlier one matched, so the time taken does not
// tell which one did.
func VerifySHA256(body []byte, signatureHex string, secrets []string) error {
	if signatureHex == "" {
		return Unauthorized("no signature")
	}
	sig, err := hex.DecodeString(signatureHex)
	if err != nil || len(sig) != sha256.Size {
		return Unauthorized("signature is not a hex SHA-256 HMAC")
	}
	ok, tried := false, false
	for _, s := range secrets {
		if s == "" {
			// An empty key is one anybody can sign with.
			continue
		}
		tried = true
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		if hmac.Equal(m.Sum(nil), sig) {
			ok = true
		}
	}
	switch {
	case !tried:
		return Unauthorized("no secret configured")
	case !ok:
		return Unauthorized("signature does not match")
	}
	return nil
}

// VerifyToken checks a shared token (GitLab's X-Gitlab-Token) against every
// non-empty secret in constant time. Both sides are hashed first so that
// subtle.ConstantTimeCompare does not return early on a length mismatch.
func VerifyToken(token string, secrets []string) error {
	if token == "" {
		return Unauthorized("no token")
	}
	got := sha256.Sum256([]byte(token))
	ok, tried := 0, false
	for _, s := range secrets {
		if s == "" {
			continue
		}
		tried = true
		want := sha256.Sum256([]byte(s))
		ok |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	switch {
	case !tried:
		return Unauthorized("no secret configured")
	case ok != 1:
		return Unauthorized("token does not match")
	}
	return nil
}
