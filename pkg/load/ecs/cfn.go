package ecs

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// CloudFormation support: a template (JSON) with AWS::ECS::TaskDefinition resources, or one such
// resource on its own. Properties are the API names in PascalCase. Intrinsic functions cannot be
// evaluated offline: where a string is expected, Ref, Fn::Sub, Fn::GetAtt and Fn::ImportValue
// become a visible ${...} placeholder with a warning naming the field; anywhere else (numbers,
// booleans, whole objects, other functions) they are an error naming the field.

const cfnTaskType = "AWS::ECS::TaskDefinition"

// cfnResource is one task definition resource found in a template.
type cfnResource struct {
	logicalID string
	props     *node
	path      string // path of the Properties object
}

// isCFN says whether root looks like a CloudFormation template or resource.
func isCFN(root *node) bool {
	return root.get("Resources") != nil || root.get("AWSTemplateFormatVersion") != nil ||
		(root.get("Type") != nil && root.get("Properties") != nil)
}

// cfnResources lists the template's task definition resources in logical-ID order.
func cfnResources(root *node) ([]cfnResource, error) {
	if t := root.get("Type"); t != nil && root.get("Resources") == nil {
		if t.kind != kString || t.str != cfnTaskType {
			return nil, &fieldError{path: "Type", off: t.off, msg: fmt.Sprintf("resource type is %s, want %s", describe(t), cfnTaskType)}
		}
		return []cfnResource{{props: root.get("Properties"), path: "Properties"}}, nil
	}
	res := root.get("Resources")
	if res == nil || res.kind != kObject {
		return nil, &fieldError{path: "Resources", off: root.off, msg: "a CloudFormation template needs a Resources object"}
	}
	var out []cfnResource
	for _, m := range res.members {
		if t := m.val.get("Type"); t != nil && t.kind == kString && t.str == cfnTaskType {
			p := "Resources." + m.key + ".Properties"
			props := m.val.get("Properties")
			if props == nil {
				return nil, &fieldError{path: p, off: m.off, msg: "task definition resource has no Properties"}
			}
			out = append(out, cfnResource{logicalID: m.key, props: props, path: p})
		}
	}
	if len(out) == 0 {
		return nil, &fieldError{path: "Resources", off: res.off, msg: "the template has no " + cfnTaskType + " resource"}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].logicalID < out[j].logicalID })
	return out, nil
}

// isIntrinsic says whether n is a CloudFormation function call ({"Ref": ...} or {"Fn::X": ...}).
func isIntrinsic(n *node) bool {
	if n.kind != kObject || len(n.members) != 1 {
		return false
	}
	k := n.members[0].key
	return k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition"
}

// intrinsic handles a function call where v is expected.
func (d *decoder) intrinsic(n *node, v reflect.Value, path string) error {
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.String {
		return d.errf(n, path, "CloudFormation function %s cannot be evaluated offline; write the value itself", n.members[0].key)
	}
	s, err := d.placeholder(n, path)
	if err != nil {
		return err
	}
	for v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	v.SetString(s)
	return nil
}

// placeholder renders a string-valued function call as ${...} and warns about it.
func (d *decoder) placeholder(n *node, path string) (string, error) {
	fn, arg := n.members[0].key, n.members[0].val
	var s string
	switch {
	case fn == "Ref" && arg.kind == kString:
		s = "${" + arg.str + "}"
	case fn == "Fn::Sub" && arg.kind == kString:
		s = arg.str
	case fn == "Fn::Sub" && arg.kind == kArray && len(arg.elems) > 0 && arg.elems[0].kind == kString:
		s = arg.elems[0].str
	case fn == "Fn::GetAtt" && arg.kind == kString:
		s = "${" + arg.str + "}"
	case fn == "Fn::GetAtt" && arg.kind == kArray && len(arg.elems) == 2 && arg.elems[0].kind == kString && arg.elems[1].kind == kString:
		s = "${" + arg.elems[0].str + "." + arg.elems[1].str + "}"
	case fn == "Fn::ImportValue" && arg.kind == kString:
		s = "${ImportValue:" + arg.str + "}"
	default:
		return "", d.errf(n, path, "CloudFormation function %s cannot be evaluated offline; write the value itself", fn)
	}
	d.warn(n.off, path, fmt.Sprintf("CloudFormation %s is not evaluated offline: kept as %q; replace it before applying", fn, s))
	return s, nil
}
