package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// maxInlineWait is the longest a channel waits in line for a rate limit slot
// or a retry: longer waits go back to the engine as a RetryAfter error, so a
// worker is not held for minutes.
const maxInlineWait = 30 * time.Second

// baseBackoff is the first in-line retry delay; it doubles per retry.
const baseBackoff = 500 * time.Millisecond

// run delivers one notification on one channel: rate limit, attempt, and
// in-line retries of retryable failures. The error is a *deliveryError.
func run(ctx context.Context, c *channelState, n *notification) error {
	for attempt := 0; ; attempt++ {
		if err := c.take(ctx); err != nil {
			return err
		}
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		err := c.send(actx, n)
		cancel()
		if err == nil {
			return nil
		}
		de := asDeliveryError(err)
		if de.permanent || attempt >= c.retries || ctx.Err() != nil {
			return de
		}
		wait := backoff(attempt)
		if de.hasWait {
			wait = de.wait
		}
		if !canWait(ctx, wait) {
			return de
		}
		if err := sleep(ctx, wait); err != nil {
			return de
		}
	}
}

// take waits for a token of the channel's bucket, or, when the wait would be
// too long, gives the token back and asks the engine to retry later.
func (c *channelState) take(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	r := c.limiter.Reserve()
	if !r.OK() {
		return retryableError(errors.New("rate limit admits no request"), 0)
	}
	d := r.Delay()
	if d == 0 {
		return nil
	}
	if !canWait(ctx, d) {
		r.Cancel()
		de := retryableError(fmt.Errorf("rate limit reached: next slot in %s", d.Round(time.Millisecond)), d)
		return de
	}
	if err := sleep(ctx, d); err != nil {
		r.Cancel()
		return retryableError(fmt.Errorf("waiting for the rate limit: %w", err), 0)
	}
	return nil
}

// canWait reports whether waiting d leaves the invocation time to act.
func canWait(ctx context.Context, d time.Duration) bool {
	if d > maxInlineWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 2*d+time.Second {
		return false
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is baseBackoff·2^attempt with ±25% jitter, so that channels that
// failed together do not retry in lockstep.
func backoff(attempt int) time.Duration {
	d := baseBackoff << attempt
	jitter := time.Duration(rand.Int64N(int64(d)/2)) - d/4
	return d + jitter
}
