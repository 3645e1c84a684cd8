package cli

// CommandPaths is each operation's command, "<vendor> <product> <command>",
// for the external tests.
func CommandPaths() []string {
	out := make([]string, 0, len(operations))
	for _, o := range operations {
		out = append(out, o.vendor+" "+o.product+" "+o.command)
	}
	return out
}
