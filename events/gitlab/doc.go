// Package gitlab maps GitLab webhook deliveries to codebridge catalogue
// events.
//
// Verify compares X-Gitlab-Token with the configured tokens in constant time
// (GitLab sends the secret token itself, not a signature). Parse maps "Push
// Hook", "Tag Push Hook", "Merge Request Hook" and "Note Hook" deliveries; the
// payload shapes follow GitLab's doc/user/project/integrations/webhook_events.md.
package gitlab
