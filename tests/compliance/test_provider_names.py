"""Reading Terraform names from a CDK for Terraform provider module (the generator's input)."""

from __future__ import annotations

from pathlib import Path

from compliance.provider_names import names_from_cdktf, parse_module, resolve

MODULE = """\
"use strict";
function searchDomainLogPublishingOptionsToTerraform(struct) {
    if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) {
        return struct;
    }
    return {
        cloudwatch_log_group_arn: cdktf.stringToTerraform(struct.cloudwatchLogGroupArn),
        enabled: cdktf.booleanToTerraform(struct.enabled),
        log_type: cdktf.stringToTerraform(struct.logType),
    };
}
function searchDomainAliasToTerraform(struct) {
    return {
        name: cdktf.stringToTerraform(struct.name),
    };
}
class SearchDomain extends cdktf.TerraformResource {
    synthesizeAttributes() {
        return {
            domain_name: cdktf.stringToTerraform(this._domainName),
            tags: cdktf.hashMapper(cdktf.stringToTerraform)(this._tags),
            log_publishing_options: cdktf.listMapper(searchDomainLogPublishingOptionsToTerraform, true)(\
this._logPublishingOptions.internalValue),
            alias: cdktf.listMapper(searchDomainAliasToTerraform, true)(this._alias.internalValue),
        };
    }
}
SearchDomain.tfResourceType = "aws_search_domain";
"""


def test_a_module_gives_its_type_and_nested_names() -> None:
    parsed = parse_module(MODULE)
    assert parsed is not None
    tf_type, names = parsed
    assert tf_type == "aws_search_domain"
    assert names["domain_name"] is None and names["tags"] is None
    assert names["log_publishing_options"] == {
        "cloudwatch_log_group_arn": None,
        "enabled": None,
        "log_type": None,
    }
    assert names["alias"] == {"name": None}


def test_data_sources_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "lib" / "search-domain").mkdir(parents=True)
    (tmp_path / "lib" / "search-domain" / "index.js").write_text(MODULE)
    (tmp_path / "lib" / "data-search").mkdir(parents=True)
    (tmp_path / "lib" / "data-search" / "index.js").write_text(
        MODULE.replace("cdktf.TerraformResource", "cdktf.TerraformDataSource")
    )
    assert list(names_from_cdktf(tmp_path)) == ["aws_search_domain"]


def test_pulumi_plurals_resolve_to_the_provider_name() -> None:
    names = {"alias": None, "log_publishing_options": None, "kinesis": None, "status": None, "rule": None}
    assert resolve("aliases", names) == "alias"
    assert resolve("log_publishing_options", names) == "log_publishing_options"
    assert resolve("kineses", names) == "kinesis"
    assert resolve("statuses", names) == "status"
    assert resolve("rules", names) == "rule"
    assert resolve("event_buses", {"event_bus": None}) == "event_bus"
    assert resolve("policies", {"policy": None}) == "policy"
    assert resolve("nothing_like_it", names) is None
