package drift

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// realDocsDir finds NXCloud's documentation beside the repository: the
// shared/ directory next to the module (../shared), or next to the
// worktrees' directory (../../shared); VERIKIT_NXCLOUD_DOCS overrides.
func realDocsDir(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("VERIKIT_NXCLOUD_DOCS"),
		filepath.Join("..", "..", "shared", "reference", "nxcloud-docs"),
		filepath.Join("..", "..", "..", "shared", "reference", "nxcloud-docs")}
	for _, d := range cands {
		if d == "" {
			continue
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	t.Skip("NXCloud docs not found (the shared/ directory beside the repository); set VERIKIT_NXCLOUD_DOCS")
	return ""
}

// rawTable is a pipe table as the page's lines hold it.
type rawTable struct {
	header  []string
	rows    []int // line indexes of the body rows
	example bool  // under an example heading
}

var delimRe = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$`)

// splitRow splits a table line into cells, with or without outer pipes.
func splitRow(l string) []string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "|")
	l = strings.TrimSuffix(l, "|")
	cells := strings.Split(l, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// setCell rewrites cell i of a table line.
func setCell(l string, i int, v string) string {
	parts := strings.Split(l, "|")
	if strings.HasPrefix(strings.TrimSpace(l), "|") {
		i++
	}
	parts[i] = " " + v + " "
	return strings.Join(parts, "|")
}

// rawTables reads the pipe tables of a page straight from its lines: a
// header line, a delimiter line, then every following line with a pipe.
// Fenced code is skipped.
func rawTables(lines []string) []rawTable {
	var out []rawTable
	fence, example := false, false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if strings.HasPrefix(l, "#") || (strings.HasPrefix(l, "**") && !strings.Contains(l, "|")) {
			example = strings.Contains(strings.ToLower(l), "example") || strings.Contains(strings.ToLower(l), "demo")
		}
		if !strings.Contains(l, "|") || i+1 >= len(lines) || !delimRe.MatchString(strings.TrimSpace(lines[i+1])) {
			continue
		}
		t := rawTable{header: splitRow(l), example: example}
		j := i + 2
		for ; j < len(lines) && strings.Contains(lines[j], "|") && strings.TrimSpace(lines[j]) != ""; j++ {
			t.rows = append(t.rows, j)
		}
		out = append(out, t)
		i = j - 1
	}
	return out
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]*$`)

func headerIndex(h []string, names ...string) int {
	for i, c := range h {
		c = strings.Trim(strings.ReplaceAll(c, " ", ""), "*`")
		for _, n := range names {
			if strings.EqualFold(c, n) {
				return i
			}
		}
	}
	return -1
}

// Every parameter row of every real page the specs cover, edited, makes
// drift fail and name the field: each row renamed, and on a sample, its
// type or its required cell changed. The rows are read from the raw
// Markdown, not from what drift parses. Skipped, by rule:
//   - pages drift compares with no spec (guides, duplicates, pending or
//     excluded pages);
//   - tables that are no parameter table: the first column names no
//     parameter (Parameter, Parameter Name, Field, Name), as in a result
//     code table or the template language list;
//   - the rows of the signed-header tables (rows accessKey and sign): the
//     headers are the signing scheme's. Their bizType and action rows are
//     edited instead: the value (its example cell or "fixed value X")
//     changed must be reported, except on a callback page (its schema
//     carries no constants) or where the value is only in the request
//     example;
//   - HTTP header tables (a Content-Type row): the content type is
//     compared from the page's Content-Type line;
//   - KEY/VALUE tables and tables under an example heading: values;
//   - rows whose first cell is no identifier (a note, an ellipsis).
func TestRealDocsEditedRows(t *testing.T) {
	dir := realDocsDir(t)
	all, err := specs.All()
	require.NoError(t, err)
	cat := DefaultCatalogue()
	base := fstest.MapFS{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		base[e.Name()] = &fstest.MapFile{Data: b}
	}
	parsed := map[string]*Page{}
	run := func(page string, src string) (*checker, string) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[page+".md"] = &fstest.MapFile{Data: []byte(src)}
		c, err := check(Options{NXCloudFS: fsys, Specs: all, Catalogue: cat, parsed: parsed})
		require.NoError(t, err)
		var out bytes.Buffer
		require.NoError(t, c.report.WriteDrift(&out, false))
		return c, out.String()
	}
	c0, out0 := run("ota-api-init", string(base["ota-api-init.md"].Data))
	require.Empty(t, c0.report.Undeclared(), out0)

	skipped := map[string]int{}
	covered, typeEdits, reqEdits, valueEdits := 0, 0, 0, 0
	// parsedValue is the bizType or action drift reads from the page.
	parsedValue := func(page, key string) string {
		for _, p := range parsed {
			if p.Name == page && len(p.Endpoints) > 0 {
				if key == "bizType" {
					return p.Endpoints[0].BizType
				}
				return p.Endpoints[0].Action
			}
		}
		return ""
	}
	var missed []string
	names := make([]string, 0, len(cat.Pages))
	for n := range cat.Pages {
		names = append(names, n)
	}
	sort.Strings(names)
	// specStates reports whether a field named name in the page's spec
	// operation (or callback schema) states a type (or required-ness):
	// drift compares those only when both sides state them.
	specStates := func(c *checker, page, name string, required bool) bool {
		var sets []*fieldSet
		for _, row := range c.report.Coverage {
			if row.Source != page || row.CoveredBy == "" {
				continue
			}
			for _, ref := range strings.Split(row.CoveredBy, ", ") {
				if o := c.named(ref); o != nil {
					v := c.view(o)
					sets = append(sets, v.request, v.response)
				} else if v, err := c.schemaView(ref); err == nil {
					sets = append(sets, v.request)
				}
			}
		}
		for _, fs := range sets {
			for n, f := range fs.fields {
				if n == name || strings.HasSuffix(n, "."+name) {
					if required && f.Required != nil || !required && f.Type != "" {
						return true
					}
				}
			}
		}
		return false
	}
	// absent holds, by page, the fields the spec lacks by declaration
	// (missing-in-spec): no type or required-ness to compare them with.
	absent := map[string]bool{}
	for _, f := range c0.report.Declared() {
		if f.Kind == MissingInSpec {
			absent[f.Source+" "+f.Field[strings.LastIndexByte(f.Field, '.')+1:]] = true
		}
	}
	for _, name := range names {
		e := cat.Pages[name]
		mf := base[name+".md"]
		require.NotNil(t, mf, name)
		lines := strings.Split(string(mf.Data), "\n")
		compared := (e.Kind == KindEndpoint || e.Kind == KindCallback) && e.Pending == "" && e.Excluded == ""
		for _, tb := range rawTables(lines) {
			nameCol := headerIndex(tb.header, "parameter", "parametername", "parameters", "parametersname", "param", "field", "fieldname", "name", "参数", "参数名")
			typeCol := headerIndex(tb.header, "type", "datatype", "parametertype", "类型")
			reqCol := headerIndex(tb.header, "required", "mandatory", "isrequired", "是否必填", "必填")
			var first []string
			for _, r := range tb.rows {
				first = append(first, strings.Trim(splitRow(lines[r])[0], "`* "))
			}
			rule := ""
			switch {
			case !compared:
				rule = "page not compared with a spec (guide, duplicate, pending, excluded)"
			case nameCol != 0:
				rule = "no parameter table (first column names no parameter)"
			case contains(first, "accessKey") && contains(first, "sign"):
				rule = "signed-header table"
			case contains(first, "Content-Type"):
				rule = "HTTP header table (a Content-Type row)"
			case headerIndex(tb.header, "value") >= 0 && typeCol < 0, tb.example:
				rule = "example values (KEY/VALUE table or example heading)"
			}
			for k, r := range tb.rows {
				n := first[k]
				switch {
				case rule == "signed-header table" && (n == "bizType" || n == "action") && e.Kind == KindCallback:
					skipped["signed-header "+n+" row of a callback (its schema carries no constants)"]++
					continue
				case rule == "signed-header table" && (n == "bizType" || n == "action"):
					// The signed constants: their value, changed, is
					// reported as a different bizType or action.
					v := parsedValue(name, n)
					cells := splitRow(lines[r])
					ex := headerIndex(tb.header, "example", "examplevalue", "示例")
					inExample := ex >= 0 && ex < len(cells) && strings.Trim(cells[ex], "\"` ") == v
					fixed := regexp.MustCompile(`fixed value\s*["“]?` + regexp.QuoteMeta(v) + `\b`)
					inRow := inExample || fixed.MatchString(lines[r])
					if v == "" || !inRow {
						skipped["signed-header "+n+" row whose value the page gives elsewhere (its request example)"]++
						continue
					}
					valueEdits++
					ed := append([]string(nil), lines...)
					if inExample {
						ed[r] = setCell(lines[r], ex, v+"9")
					} else {
						ed[r] = fixed.ReplaceAllStringFunc(lines[r], func(m string) string { return m + "9" })
					}
					c, out := run(name, strings.Join(ed, "\n"))
					if len(c.report.Undeclared()) == 0 || !strings.Contains(out, " "+n+" (docs: ") || !strings.Contains(out, v+"9") {
						missed = append(missed, name+": value of "+n+" row")
					}
					continue
				case rule != "":
					skipped[rule]++
					continue
				case !identRe.MatchString(n):
					skipped["row is no parameter (first cell no identifier)"]++
					continue
				}
				covered++
				edit := func(what, l string, mustName string, required bool) {
					ed := append([]string(nil), lines...)
					ed[r] = l
					c, out := run(name, strings.Join(ed, "\n"))
					if len(c.report.Undeclared()) > 0 && strings.Contains(out, mustName) {
						return
					}
					switch {
					case what == "rename":
					case absent[name+" "+n]:
						skipped[what+" edit: a field the spec lacks (declared missing-in-spec), nothing to compare"]++
						return
					case !specStates(c, name, n, required):
						skipped[what+" edit: the spec states none for the field (drift compares only what both sides state)"]++
						return
					}
					missed = append(missed, name+": "+what+" of row "+n+" ("+strings.TrimSpace(lines[r])[:min(60, len(strings.TrimSpace(lines[r])))]+")")
				}
				renamed := n + "Zq"
				edit("rename", strings.Replace(lines[r], n, renamed, 1), renamed, false)
				cells := splitRow(lines[r])
				if typeCol > 0 && typeCol < len(cells) && covered%6 == 0 {
					nt := "String"
					if normType(cells[typeCol]) == "string" {
						nt = "Boolean"
					}
					typeEdits++
					edit("type", setCell(lines[r], typeCol, nt), n, false)
				}
				if reqCol > 0 && reqCol < len(cells) && covered%5 == 0 {
					if b := parseRequired(cells[reqCol]); b != nil {
						nv := "Yes"
						if *b {
							nv = "No"
						}
						reqEdits++
						edit("required", setCell(lines[r], reqCol, nv), n, true)
					}
				}
			}
		}
	}
	t.Logf("parameter rows edited: %d renamed, %d retyped, %d made (op)tional; %d bizType/action values changed", covered, typeEdits, reqEdits, valueEdits)
	var rules []string
	for r := range skipped {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		t.Logf("skipped %4d: %s", skipped[r], r)
	}
	if len(missed) > 0 {
		t.Errorf("%d edits drift did not report (or did not name the field):\n%s", len(missed), strings.Join(missed, "\n"))
	}
	require.Greater(t, covered, 900, "the covered pages' parameter rows")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
