// Package artifact selects files from a build's source directory with
// buildspec globs and packs them: a zip for artifacts, a gzipped tar for the
// cache, which it also unpacks.
//
// Globs are slash-separated and relative to the source directory (or the
// base directory): each segment matches like path.Match, and a "**" segment
// matches any number of directories, so "**/*" is every file and
// "dist/**/*.js" every .js file under dist. A pattern that names a directory
// takes all the files under it. Only regular files are packed; a symbolic
// link is followed only when it points inside the source directory, so a
// build cannot pack /etc/passwd by linking to it, and unpacking refuses any
// entry that would land outside the destination.
package artifact
