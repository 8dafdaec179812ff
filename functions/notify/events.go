package notify

import (
	"fmt"
	"net/url"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// event is the notification.sent or notification.failed event of one
// channel. Its id is derived from the invocation and the channel, so the
// event stream deduplicates it when a retry emits it again.
func (n *Notifier) event(id string, inv functions.Invocation, channel string, s settled) (events.Event, error) {
	typ, kind := events.NotificationSent, "sent"
	if s.Err != "" {
		typ, kind = events.NotificationFailed, "failed"
	}
	data := events.NotificationData{
		Caused:  events.Caused{TriggerEventID: inv.Event.ID(), Context: inv.Context},
		Channel: channel,
		Target:  s.Target,
		Error:   s.Err,
	}
	name := inv.Function
	if name == "" {
		name = n.name
	}
	opts := []events.Option{events.WithID(id + "/" + channel + "/" + kind)}
	if sub := inv.Event.Subject(); sub != "" {
		opts = append(opts, events.WithSubject(sub))
	}
	ev, err := events.New(typ, "codebridge://functions/"+url.PathEscape(name), data, opts...)
	if err != nil {
		return events.Event{}, fmt.Errorf("notify: build %s event: %w", kind, err)
	}
	if err := events.MarkCaused(&ev, inv.Event, inv.Context); err != nil {
		return events.Event{}, fmt.Errorf("notify: build %s event: %w", kind, err)
	}
	return ev, nil
}
