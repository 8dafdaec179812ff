# codebridge build driver. Arguments: the private directory holding the
# command files, and the marker nonce. Operations arrive one per line on fd 3;
# each is acknowledged with "<RS><nonce> <op-id> <status>" on stdout.
__cb_dir=$1
__cb_mark=$'\x1e'$2
set --
__cb_exports=()
if [ -s "$__cb_dir/exports" ]; then mapfile -t __cb_exports < "$__cb_dir/exports"; fi
while IFS= read -r -u 3 __cb_op; do
	case $__cb_op in
	run\ *)
		. "$__cb_dir/cmd-${__cb_op#run }.sh" 3<&-
		__cb_rc=$?
		printf '%s %s %s\n' "$__cb_mark" "${__cb_op#run }" "$__cb_rc"
		;;
	fail)
		export CODEBRIDGE_BUILD_SUCCEEDING=0
		printf '%s fail 0\n' "$__cb_mark"
		;;
	export)
		for __cb_v in "${__cb_exports[@]}"; do
			printf '%s=%s\0' "$__cb_v" "${!__cb_v-}"
		done > "$__cb_dir/exported"
		printf '%s export 0\n' "$__cb_mark"
		;;
	exit)
		exit 0
		;;
	esac
done
