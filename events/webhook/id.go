package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// DeliveryID is the id of a delivery: the provider's delivery header when it
// sent one, else a digest of the body, so that a redelivery of the same body
// gets the same id and JetStream drops the duplicate.
func DeliveryID(header string, body []byte) string {
	if header != "" {
		return header
	}
	sum := sha256.Sum256(body)
	return "sha256-" + hex.EncodeToString(sum[:16])
}

// EventID is the id of event i (from 0) of the n events one delivery yields:
// the delivery id itself when there is one event, with "-<i>" appended when
// there are several.
func EventID(delivery string, i, n int) string {
	if n <= 1 {
		return delivery
	}
	return delivery + "-" + strconv.Itoa(i)
}
