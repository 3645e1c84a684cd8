// Command ratios reads `go test -bench` output and prints, for every
// benchmark that names its implementation with an `impl=` key, the median
// of each measurement as a ratio to the group's first implementation — the
// floor the others are compared with. Absolute times on a shared machine
// mean little; ratios from one run do.
//
//	go test -bench . -benchmem -count 6 ./sign/ > sign.txt
//	go run ./bench/ratios -target 'BenchmarkSign/*/size=200B/impl=*=1.25' sign.txt
//
// A -target PATTERN=LIMIT marks each ratio whose name (with its impl=)
// matches the path.Match pattern as met or missed against LIMIT (time/op
// at most LIMIT times the floor's). PATTERN=LIMIT@UNIT compares another
// measurement (allocs/op), and PATTERN=>LIMIT@UNIT asks for at least LIMIT
// times the floor (a rate such as req/s).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

type targets []target

type target struct {
	pattern string
	limit   float64
	unit    string // the measurement compared; ns/op unless given
	atLeast bool   // the ratio must be at least limit (a rate), not at most
}

func (t *targets) String() string { return fmt.Sprint(*t) }

func (t *targets) Set(s string) error {
	i := strings.LastIndex(s, "=")
	if i <= 0 {
		return fmt.Errorf("target %q: want PATTERN=LIMIT", s)
	}
	spec, unit, hasUnit := strings.Cut(s[i+1:], "@")
	switch {
	case hasUnit && unit == "":
		return fmt.Errorf("target %q: empty unit after @", s)
	case !hasUnit:
		unit = "ns/op"
	}
	spec, atLeast := strings.CutPrefix(spec, ">")
	limit, err := strconv.ParseFloat(spec, 64)
	if err != nil || limit <= 0 {
		return fmt.Errorf("target %q: LIMIT must be a positive number", s)
	}
	if _, err := path.Match(s[:i], ""); err != nil {
		return fmt.Errorf("target %q: %v", s, err)
	}
	*t = append(*t, target{s[:i], limit, unit, atLeast})
	return nil
}

func main() {
	var tg targets
	flag.Var(&tg, "target", "PATTERN=LIMIT: check the time/op ratio of matching benchmarks (repeatable)")
	flag.Parse()
	samples := map[string]map[string][]float64{} // name -> unit -> values
	var order []string
	read := func(r io.Reader) error { return parse(r, samples, &order) }
	if flag.NArg() == 0 {
		if err := read(os.Stdin); err != nil {
			fail(err)
		}
	}
	for _, f := range flag.Args() {
		fh, err := os.Open(f)
		if err != nil {
			fail(err)
		}
		err = read(fh)
		fh.Close()
		if err != nil {
			fail(err)
		}
	}
	rows := ratios(samples, order)
	if len(rows) == 0 {
		fail(fmt.Errorf("no benchmarks with an impl= key in the input"))
	}
	missed := print(os.Stdout, rows, tg)
	if missed > 0 {
		fmt.Printf("\n%d target(s) missed\n", missed)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ratios:", err)
	os.Exit(2)
}

// procSuffix is the -GOMAXPROCS suffix go test appends to a name.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark lines: name, iterations, then value/unit pairs.
func parse(r io.Reader, samples map[string]map[string][]float64, order *[]string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
			*order = append(*order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			samples[name][f[i+1]] = append(samples[name][f[i+1]], v)
		}
	}
	return sc.Err()
}

type row struct {
	name, base string             // full names of the measured and the floor
	median     map[string]float64 // unit -> median of the measured
	ratio      map[string]float64 // unit -> measured / floor
}

// ratios pairs each impl with its group's first impl.
func ratios(samples map[string]map[string][]float64, order []string) []row {
	baseOf := map[string]string{} // group -> first full name
	var rows []row
	for _, name := range order {
		group, ok := groupOf(name)
		if !ok {
			continue
		}
		base, seen := baseOf[group]
		if !seen {
			baseOf[group] = name
			continue
		}
		r := row{name: name, base: base, median: map[string]float64{}, ratio: map[string]float64{}}
		for unit, vs := range samples[name] {
			m := median(vs)
			r.median[unit] = m
			if b := median(samples[base][unit]); b != 0 {
				r.ratio[unit] = m / b
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// groupOf is the name without its impl= element.
func groupOf(name string) (string, bool) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "impl=") {
			return strings.Join(append(parts[:i:i], parts[i+1:]...), "/"), true
		}
	}
	return "", false
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func implOf(name string) string {
	for _, p := range strings.Split(name, "/") {
		if v, ok := strings.CutPrefix(p, "impl="); ok {
			return v
		}
	}
	return ""
}

// print writes one line per ratio and returns how many targets were missed.
func print(w io.Writer, rows []row, tg targets) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tvs\ttime/op\tratio\tB/op\tallocs/op\textra\ttarget\t")
	missed := 0
	for _, r := range rows {
		group, _ := groupOf(r.name)
		var verdicts []string
		for _, t := range tg {
			if ok, _ := path.Match(t.pattern, r.name); ok {
				q, has := r.ratio[t.unit]
				op, met := "<=", q <= t.limit
				if t.atLeast {
					op, met = ">=", q >= t.limit
				}
				word := "met"
				if !has || !met {
					word = "MISSED"
					missed++
				}
				label := ""
				if t.unit != "ns/op" {
					label = " " + t.unit
				}
				verdicts = append(verdicts, fmt.Sprintf("%s%.2fx%s %s", op, t.limit, label, word))
			}
		}
		verdict := strings.Join(verdicts, ", ")
		var extra []string
		for unit, v := range r.median {
			switch unit {
			case "ns/op", "B/op", "allocs/op", "MB/s":
				continue
			}
			extra = append(extra, fmt.Sprintf("%.0f %s (%.2fx)", v, unit, r.ratio[unit]))
		}
		sort.Strings(extra)
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%.2fx\t%s\t%s\t%s\t%s\t\n",
			group, implOf(r.name), implOf(r.base),
			dur(r.median["ns/op"]), r.ratio["ns/op"],
			pair(r, "B/op"), pair(r, "allocs/op"),
			strings.Join(extra, " "), verdict)
	}
	tw.Flush()
	return missed
}

// pair shows a count against the floor's, e.g. "191 vs 112".
func pair(r row, unit string) string {
	m, ok := r.median[unit]
	if !ok {
		return "-"
	}
	base := m
	if q := r.ratio[unit]; q != 0 {
		base = m / q
	}
	return fmt.Sprintf("%.0f vs %.0f", m, base)
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	default:
		return fmt.Sprintf("%.0fns", ns)
	}
}
