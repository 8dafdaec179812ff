package exec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"

	"github.com/codebridge/codebridge/events"
)

// parseLine reads one line of a program's stdout.
//
// isEvent is false for a blank line, a line that is not a JSON object, and a
// JSON object that is not meant as a CloudEvent (it has neither "specversion"
// nor both "type" and "source", like a structured log line): those are output
// to log, not events. An object meant as an event gets specversion "1.0", a
// random id and the current time where it leaves them out; if it is still not
// a valid event, err names the field, since a program that emits a broken
// event has a bug that no retry fixes.
func parseLine(line []byte) (ev events.Event, isEvent bool, err error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return events.Event{}, false, nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return events.Event{}, false, nil
	}
	_, hasSpec := obj["specversion"]
	_, hasType := obj["type"]
	_, hasSource := obj["source"]
	if !hasSpec && !(hasType && hasSource) {
		return events.Event{}, false, nil
	}
	if !hasSpec {
		obj["specversion"] = json.RawMessage(`"1.0"`)
	}
	if _, ok := obj["id"]; !ok {
		obj["id"], _ = json.Marshal(uuid.NewString())
	}
	if _, ok := obj["time"]; !ok {
		obj["time"], _ = json.Marshal(time.Now().UTC().Format(time.RFC3339Nano))
	}
	filled, err := json.Marshal(obj)
	if err != nil {
		return events.Event{}, true, fmt.Errorf("re-encode: %w", err)
	}
	var e event.Event
	if err := json.Unmarshal(filled, &e); err != nil {
		return events.Event{}, true, err
	}
	if e.DataContentType() == "" && len(e.DataEncoded) > 0 && !e.DataBase64 {
		// A JSON-format event's "data" member is JSON; say so for consumers
		// that read the event in binary mode later.
		e.SetDataContentType(event.ApplicationJSON)
	}
	if err := events.Validate(e); err != nil {
		return events.Event{}, true, err
	}
	if err := e.Validate(); err != nil {
		return events.Event{}, true, err
	}
	return e, true, nil
}
