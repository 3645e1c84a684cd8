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

// CallbackKinds is "<vendor> <kind>" of each callback a spec declares, as
// the demo and callbacks serve name it.
func CallbackKinds() ([]string, error) {
	routes, err := specCallbackRoutes()
	out := make([]string, 0, len(routes))
	for _, r := range routes {
		out = append(out, r.vendor+" "+r.kind)
	}
	return out, err
}
