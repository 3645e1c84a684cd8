package drift

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// block is one item of a page flattened into reading order: a line of text
// (a heading, or one line of a paragraph or list item) or a table.
type block struct {
	line    string // plain text of the line; empty for a table
	heading bool
	table   *table
}

// table is a table as header cells and rows of cells, plain text.
type table struct {
	header []string
	rows   [][]string
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.Table))

// blocks parses src as GitHub-flavoured Markdown and returns its text lines
// and tables in reading order. Tables written one cell per line (the text
// shape of pages copied from a rendered wiki) are rebuilt from the lines.
func blocks(src []byte) []block {
	doc := markdown.Parser().Parse(text.NewReader(src))
	var out []block
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *east.Table:
			out = append(out, splitTable(n, src)...)
			return ast.WalkSkipChildren, nil
		case *ast.Heading:
			out = append(out, block{line: inlineText(n, src), heading: true})
			return ast.WalkSkipChildren, nil
		case *ast.Paragraph, *ast.TextBlock:
			for _, l := range inlineLines(n, src) {
				out = append(out, block{line: l})
			}
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock:
			// Examples: not read.
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return cellPerLineTables(out)
}

// inlineLines renders a paragraph's inline content as plain text, one string
// per source line (soft and hard line breaks end a line).
func inlineLines(n ast.Node, src []byte) []string {
	var lines []string
	var cur strings.Builder
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				cur.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					lines = append(lines, strings.TrimSpace(cur.String()))
					cur.Reset()
				}
			case *ast.String:
				cur.Write(c.Value)
			case *ast.CodeSpan:
				for g := c.FirstChild(); g != nil; g = g.NextSibling() {
					if t, ok := g.(*ast.Text); ok {
						cur.Write(t.Segment.Value(src))
					}
				}
			case *ast.RawHTML:
				// <br/> and the like separate words.
				cur.WriteByte(' ')
			case *ast.AutoLink:
				cur.Write(c.URL(src))
			default:
				walk(c)
			}
		}
	}
	walk(n)
	if s := strings.TrimSpace(cur.String()); s != "" || len(lines) == 0 {
		lines = append(lines, s)
	}
	return lines
}

// inlineText is the node's inline content on one line.
func inlineText(n ast.Node, src []byte) string {
	return strings.Join(inlineLines(n, src), " ")
}

// splitTable turns a goldmark table into blocks. GFM continues a table over
// every following line up to a blank one, so in a page without blank lines
// the label lines after a table ("Response Parameters") and even the next
// table's header and delimiter row become rows of the first. A row whose
// source line has no pipe is such a label line: it ends the table. A row of
// dashes after one starts a new table, whose header is the row before it.
func splitTable(t *east.Table, src []byte) []block {
	var out []block
	var cur *table
	last := -1 // index in out of the line emitted for the last row outside a table
	var lastCells []string
	flush := func() {
		if cur != nil {
			out = append(out, block{table: cur})
			cur = nil
		}
	}
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		cells := rowCells(r, src)
		switch {
		case r.Kind() == east.KindTableHeader:
			cur = &table{header: cells}
		case isDelimiterRow(cells):
			flush()
			if last >= 0 && last == len(out)-1 {
				out = out[:last]
				cur = &table{header: lastCells}
			}
			last = -1
		case cur == nil || !rowHasPipe(r, src):
			flush()
			out = append(out, block{line: strings.TrimSpace(strings.Join(cells, " "))})
			last, lastCells = len(out)-1, cells
		default:
			cur.rows = append(cur.rows, cells)
		}
	}
	flush()
	return out
}

func rowCells(r ast.Node, src []byte) []string {
	var cells []string
	for c := r.FirstChild(); c != nil; c = c.NextSibling() {
		cells = append(cells, strings.TrimSpace(inlineText(c, src)))
	}
	return cells
}

func isDelimiterRow(cells []string) bool {
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(c, ":")
		if c == "" && len(cells) > 1 {
			continue
		}
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

// rowHasPipe reports whether the source line a table row came from holds a
// pipe: a real row does, a label line swallowed by the table does not.
func rowHasPipe(r ast.Node, src []byte) bool {
	for c := r.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Lines().Len() == 0 {
			continue
		}
		seg := c.Lines().At(0)
		start := bytes.LastIndexByte(src[:seg.Start], '\n') + 1
		end := bytes.IndexByte(src[seg.Start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += seg.Start
		}
		return bytes.IndexByte(src[start:end], '|') >= 0
	}
	return true
}

// cellPerLineTables rebuilds tables written one cell per line: each cell a
// line that ends with a pipe, a row's first cell sometimes also opening with
// one ("| accessKey |"), an empty cell a lone pipe. The header is the run
// of cells that name columns (Parameter, Type, Required, …); its length
// fixes the number of cells in each row. A line without a closing pipe
// ends the table.
func cellPerLineTables(in []block) []block {
	var out []block
	for i := 0; i < len(in); {
		n := headerRun(in, i)
		if n < 2 {
			out = append(out, in[i])
			i++
			continue
		}
		t := &table{}
		for k := 0; k < n; k++ {
			t.header = append(t.header, cellText(in[i+k].line))
		}
		i += n
		for {
			if i+n > len(in) {
				break
			}
			row := make([]string, 0, n)
			ok := true
			for k := 0; k < n; k++ {
				b := in[i+k]
				if b.table != nil || b.heading || !isCellLine(b.line) {
					ok = false
					break
				}
				row = append(row, cellText(b.line))
			}
			if !ok {
				break
			}
			t.rows = append(t.rows, row)
			i += n
		}
		out = append(out, block{table: t})
	}
	return out
}

// headerRun counts the column-naming cell lines starting at in[i].
func headerRun(in []block, i int) int {
	n := 0
	for ; i+n < len(in); n++ {
		b := in[i+n]
		if b.table != nil || b.heading || !isCellLine(b.line) {
			break
		}
		role := columnRole(cellText(b.line))
		if role == colNone || (n > 0 && (role == colName || role == colCode)) {
			break
		}
		if n == 0 && role != colName && role != colCode {
			return 0
		}
	}
	return n
}

func isCellLine(s string) bool {
	return strings.HasSuffix(s, "|") && strings.Count(s, "|") <= 2
}

func cellText(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "|")
	s = strings.TrimPrefix(s, "|")
	return strings.TrimSpace(s)
}
