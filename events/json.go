package events

import (
	"encoding/json"
	"mime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/types"
)

// AppendJSON appends e in the CloudEvents JSON format (structured mode) to b.
// It is the hot-path twin of json.Marshal(e): the same document, written
// without reflection; JSON data is embedded as is, other data as data_base64.
// e must have passed Validate, which checks that data labelled JSON is JSON.
func AppendJSON(b []byte, e Event) []byte {
	b = append(b, `{"specversion":`...)
	b = appendString(b, e.SpecVersion())
	b = appendAttr(b, "id", e.ID())
	b = appendAttr(b, "source", e.Source())
	b = appendAttr(b, "type", e.Type())
	if s := e.Subject(); s != "" {
		b = appendAttr(b, "subject", s)
	}
	if s := e.DataSchema(); s != "" {
		b = appendAttr(b, "dataschema", s)
	}
	ct := e.DataContentType()
	if ct != "" {
		b = appendAttr(b, "datacontenttype", ct)
	}
	if t := e.Time(); !t.IsZero() {
		b = appendAttr(b, "time", t.UTC().Format(time.RFC3339Nano))
	}
	if ext := e.Extensions(); len(ext) > 0 {
		names := make([]string, 0, len(ext))
		for k := range ext {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v := ext[k]
			if n, ok := v.(int32); ok {
				b = append(b, ',')
				b = appendString(b, k)
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(n), 10)
				continue
			}
			s, err := types.Format(v)
			if err != nil {
				continue
			}
			b = appendAttr(b, k, s)
		}
	}
	if data := e.Data(); len(data) > 0 {
		// Validate has checked that data labelled JSON is JSON.
		if ct == "" || jsonMediaType(ct) {
			b = append(b, `,"data":`...)
			b = append(b, data...)
		} else {
			b = append(b, `,"data_base64":"`...)
			b = appendBase64(b, data)
			b = append(b, '"')
		}
	}
	return append(b, '}')
}

func appendAttr(b []byte, name, value string) []byte {
	b = append(b, ',')
	b = appendString(b, name)
	b = append(b, ':')
	return appendString(b, value)
}

// appendString writes s as a JSON string; only the characters JSON requires
// (and <, >, & like encoding/json) are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"

func appendBase64(b []byte, data []byte) []byte {
	s, _ := json.Marshal(data) // []byte marshals as a base64 string
	return append(b, s[1:len(s)-1]...)
}

func jsonMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}
