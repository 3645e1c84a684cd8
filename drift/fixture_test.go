package drift

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The doc fixtures of these tests are written here, in the two shapes the
// parser reads: Markdown with pipe tables, and one cell per line.

type row struct{ name, typ, req string } // req empty: no Required column

type fixturePage struct {
	title, url      string
	bizType, action string
	body            []row
	response        []row // code, data, msg/message
	data            []row // the fields of data
	codes           []string
}

func (p *fixturePage) clone() *fixturePage {
	c := *p
	c.body = append([]row(nil), p.body...)
	c.response = append([]row(nil), p.response...)
	c.data = append([]row(nil), p.data...)
	c.codes = append([]string(nil), p.codes...)
	return &c
}

func (p *fixturePage) headerRows() [][]string {
	return [][]string{
		{"accessKey", "String", "Yes", "k3y", "Account key"},
		{"ts", "String", "Yes", "1655710885431", "Milliseconds"},
		{"bizType", "String", "Yes", p.bizType, "Business type"},
		{"action", "String", "Yes", p.action, "Operation"},
		{"sign", "String", "Yes", "abc", "Signature"},
	}
}

func paramRows(rs []row) [][]string {
	var out [][]string
	for _, r := range rs {
		if r.req != "" {
			out = append(out, []string{r.name, r.typ, r.req, "", "about " + r.name})
		} else {
			out = append(out, []string{r.name, r.typ, "about " + r.name})
		}
	}
	return out
}

func codeRows(codes []string) [][]string {
	var out [][]string
	for _, c := range codes {
		out = append(out, []string{c, "meaning of " + c, ""})
	}
	return out
}

var (
	paramHeader    = []string{"Parameter", "Type", "Required", "Example", "Description"}
	responseHeader = []string{"Parameter", "Type", "Description"}
	codeHeader     = []string{"code", "message", "Solution"}
)

// markdown renders the page as Markdown with pipe tables.
func (p *fixturePage) markdown() string {
	var b strings.Builder
	table := func(header []string, rows [][]string) {
		fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat(" --- |", len(header)))
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(r, " | "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "# %s\n\nWhat the call does.\n\n- URL: `%s`\n- Method: `POST`\n- Content-Type: `application/json`\n\n", p.title, p.url)
	b.WriteString("## Request Parameters\n\n### Header Parameters:\n\n")
	table(paramHeader, p.headerRows())
	if len(p.body) == 0 {
		b.WriteString("### Body Parameters: None\n\n")
	} else {
		b.WriteString("### Body Parameters:\n\n")
		table(paramHeader, paramRows(p.body))
	}
	b.WriteString("## Response Parameters\n\n")
	table(responseHeader, paramRows(p.response))
	if len(p.data) > 0 {
		b.WriteString("- data parameters:\n\n")
		table(responseHeader, paramRows(p.data))
	}
	b.WriteString("## Response Example\n\n```json\n{\"code\": 0}\n```\n\n## Response Code Explanation\n\n")
	table(codeHeader, codeRows(p.codes))
	return b.String()
}

// text renders the page as text copied from the rendered wiki: no blank
// lines, every table cell on a line of its own, a row's first cell opening
// with a pipe.
func (p *fixturePage) text() string {
	var b strings.Builder
	table := func(header []string, rows [][]string) {
		for _, r := range append([][]string{header}, rows...) {
			for j, c := range r {
				switch {
				case j == 0:
					fmt.Fprintf(&b, "| %s |\n", c)
				case c == "":
					b.WriteString("|\n")
				default:
					fmt.Fprintf(&b, "%s |\n", c)
				}
			}
		}
	}
	fmt.Fprintf(&b, "%s - wiki\n%s\nWhat the call does.\n- URL:\n%s\n- Method:\nPOST\n- Content-Type:\napplication/json\n", p.title, p.title, p.url)
	b.WriteString("- Requires authentication: Yes\nRequest Parameters\nHeader Parameters:\n")
	table(paramHeader, p.headerRows())
	if len(p.body) > 0 {
		b.WriteString("Body Parameters:\n")
		table(paramHeader, paramRows(p.body))
	}
	b.WriteString("Request Example\n{\n\"x\": 1\n}\nResponse Parameters\n")
	table(responseHeader, paramRows(p.response))
	if len(p.data) > 0 {
		b.WriteString("Successful Response\n")
		table(responseHeader, paramRows(p.data))
	}
	b.WriteString("Response Example\n{\n\"code\": 0\n}\nResponse Code Explanation\n")
	table(codeHeader, codeRows(p.codes))
	return b.String()
}

const waBase = "https://api2.nxcloud.com/api/wa/integrator/embedded/register/"

var (
	otaCodes = []string{"0", "88", "99", "1000~100X", "9901", "9906", "9907", "2205", "2206"}
	waCodes  = []string{"0", "-1", "1000~100X", "9000", "9001", "9007"}
	otaResp  = []row{{"code", "Integer", ""}, {"data", "JsonObject", ""}, {"msg", "String", ""}}
	waResp   = []row{{"code", "Integer", ""}, {"data", "JsonObject", ""}, {"message", "String", ""}}
)

// basePages documents every NXCloud operation of the specs as the specs
// have it (and phoneList's data as an object, the declared divergence).
func basePages() map[string]*fixturePage {
	return map[string]*fixturePage{
		"ota-api-init": {title: "Start login", url: "https://api2.nxcloud.com/api/ota/init", bizType: "6", action: "init",
			body:     []row{{"appkey", "String", "Yes"}, {"phone", "String", "Yes"}, {"userIp", "String", "Yes"}},
			response: otaResp, data: []row{{"requestId", "String", ""}, {"url", "String", ""}},
			codes: append(append([]string(nil), otaCodes...), "9908")},
		"ota-api-verify": {title: "Login result", url: "https://api2.nxcloud.com/api/ota/verify", bizType: "6", action: "verify",
			body:     []row{{"appkey", "String", "Yes"}, {"requestId", "String", "Yes"}},
			response: otaResp, data: []row{{"requestId", "String", ""}, {"status", "String", ""}}, codes: otaCodes},
		"whatsapp-api-login": {title: "Login", url: waBase + "login", bizType: "2", action: "login",
			response: waResp, data: []row{{"token", "String", ""}}, codes: waCodes},
		"whatsapp-api-getcode": {title: "Get code", url: waBase + "getCode", bizType: "2", action: "getCode",
			body: []row{{"phone_number", "String", "Yes"}, {"method", "String", "Yes"}}, response: waResp, codes: waCodes},
		"whatsapp-api-checkcode": {title: "Check code", url: waBase + "checkCode", bizType: "2", action: "checkCode",
			body: []row{{"phone_number", "String", "Yes"}, {"code", "String", "Yes"}}, response: waResp, codes: waCodes},
		"whatsapp-api-createclient": {title: "Create client", url: waBase + "createClient", bizType: "2", action: "createClient",
			body: []row{{"phone_number", "String", "Yes"}}, response: waResp, codes: waCodes},
		"whatsapp-api-createapp": {title: "Create app", url: waBase + "createApp", bizType: "2", action: "createApp",
			body:     []row{{"app_name", "String", "Yes"}, {"webhook", "String", "Yes"}},
			response: waResp, data: []row{{"app_id", "Integer", ""}, {"app_name", "String", ""}, {"app_key", "String", ""}},
			codes: append(append([]string(nil), waCodes...), "9009")},
		"whatsapp-api-phonelist": {title: "Phone list", url: waBase + "phoneList", bizType: "2", action: "phoneList",
			body: []row{{"appkey", "String", "Yes"}}, response: waResp,
			data: []row{
				{"display_phone_number", "string", ""}, {"quality_rating", "string", ""}, {"verified_name", "string", ""},
				{"name_status", "string", ""}, {"register_status", "integer", ""}, {"status", "string", ""},
				{"current_limit", "string", ""}, {"code_verification_status", "string", ""}, {"waba_id", "string", ""},
				{"waba_name", "string", ""},
			},
			codes: append(append([]string(nil), waCodes...), "9008", "9010")},
	}
}

// baseCatalogue declares the base pages, covered.
func baseCatalogue(extra string) *Catalogue {
	var b strings.Builder
	b.WriteString("pages:\n")
	for name := range basePages() {
		product := "WhatsApp integrator"
		if strings.HasPrefix(name, "ota") {
			product = "OTA"
		}
		fmt.Fprintf(&b, "  %s: {kind: endpoint, product: %s, auth: signed}\n", name, product)
	}
	b.WriteString(extra)
	c, err := ParseCatalogue([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	return c
}

// writePages writes the pages, in one shape, to a new directory.
func writePages(t *testing.T, pages map[string]*fixturePage, text bool) string {
	t.Helper()
	dir := t.TempDir()
	for name, p := range pages {
		src := p.markdown()
		if text {
			src = p.text()
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".md"), []byte(src), 0o644))
	}
	return dir
}
