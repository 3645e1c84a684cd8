package drift

import (
	"fmt"
	"strings"
)

// Finding kinds.
const (
	// Per field of a matched endpoint.
	MissingInSpec = "missing-in-spec" // documented, not in the spec
	MissingInDocs = "missing-in-docs" // in the spec, not documented
	Required      = "required"        // required on one side only
	Type          = "type"            // a different type
	// Per endpoint.
	BizType     = "bizType"
	Action      = "action"
	ContentType = "content-type"
	Server      = "server" // scheme and host
	// Result codes (NXCloud) and response statuses (EngageLab).
	CodeMissingInSpec = "code-missing-in-spec"
	CodeMissingInDocs = "code-missing-in-docs"
	// Endpoints and pages.
	NoOperation           = "no-operation"           // a documented endpoint, to be covered, that no operation matches
	UndocumentedOperation = "undocumented-operation" // an operation no documented endpoint matches
	UndeclaredPage        = "undeclared-page"        // a page the catalogue does not list
	PageMissing           = "page-missing"           // a catalogued page not in the docs
	Unparsed              = "unparsed"               // an endpoint page whose URL could not be read
	// Declarations.
	StaleDeclaration = "stale-declaration" // a declaration nothing needs any more
	BadDeclaration   = "bad-declaration"   // a malformed declaration or catalogue reference
)

var findingKinds = map[string]bool{
	MissingInSpec: true, MissingInDocs: true, Required: true, Type: true,
	BizType: true, Action: true, ContentType: true, Server: true,
	CodeMissingInSpec: true, CodeMissingInDocs: true,
	NoOperation: true, UndocumentedOperation: true,
}

// Finding is one difference between the documentation and the specs.
type Finding struct {
	Kind string `json:"kind"`
	// Source is the page ("ota-api-init") or EngageLab file the finding
	// comes from; empty for a finding about a spec as a whole.
	Source string `json:"source,omitempty"`
	// Operation is the spec operation ("nxcloud/ota init"), schema
	// ("nxcloud/ota#CallbackEvent") or spec ("nxcloud/ota").
	Operation string `json:"operation,omitempty"`
	// Field is what differs: "request.phone", "response.data.url",
	// "code 9908", "status 404", "bizType", "content-type".
	Field string `json:"field,omitempty"`
	Doc   string `json:"doc,omitempty"`  // what the documentation says
	Spec  string `json:"spec,omitempty"` // what the spec says
	// Note explains a page- or declaration-level finding.
	Note string `json:"note,omitempty"`
	// Declared is the declaration that accounts for the finding, if any.
	Declared *DeclaredBy `json:"declared,omitempty"`
}

// DeclaredBy names the declaration that accounts for a finding.
type DeclaredBy struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", f.Kind)
	if f.Source != "" {
		fmt.Fprintf(&b, " %s", f.Source)
	}
	if f.Operation != "" {
		fmt.Fprintf(&b, " [%s]", f.Operation)
	}
	if f.Field != "" {
		fmt.Fprintf(&b, " %s", f.Field)
	}
	var parts []string
	if f.Doc != "" {
		parts = append(parts, "docs: "+f.Doc)
	}
	if f.Spec != "" {
		parts = append(parts, "spec: "+f.Spec)
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, "; "))
	}
	if f.Note != "" {
		fmt.Fprintf(&b, ": %s", f.Note)
	}
	return b.String()
}
