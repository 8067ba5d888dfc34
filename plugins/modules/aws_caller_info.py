#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: aws_caller_info
short_description: Who the AWS credentials belong to (account, ARN) and the region's partition
description:
  - Calls STS GetCallerIdentity once. Read-only; lets a role derive ARNs and registry hosts from the
    account id without reading any resource.
version_added: 0.1.0
author:
  - LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.aws
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing to diff.
    support: none
  idempotent:
    description: Never changes anything.
    support: full
"""

EXAMPLES = r"""
- name: Which account are we deploying to?
  llmtwin.deploy.aws_caller_info:
  register: caller
"""

RETURN = r"""
account:
  description: The account id.
  returned: success
  type: str
  sample: "123456789012"
arn:
  description: The caller's ARN.
  returned: success
  type: str
  sample: arn:aws:iam::123456789012:user/deployer
user_id:
  description: The caller's unique id.
  returned: success
  type: str
region:
  description: The region the module was given.
  returned: success
  type: str
  sample: us-east-1
partition:
  description: The region's partition.
  returned: success
  type: str
  sample: aws
dns_suffix:
  description: The partition's DNS suffix (for registry hosts such as C(<account>.dkr.ecr.<region>.<dns_suffix>)).
  returned: success
  type: str
  sample: amazonaws.com
caller:
  description: The same identity as one document (the top-level keys above are kept for the roles that read them).
  returned: success
  type: dict
  contains:
    account:
      description: The account id.
      type: str
    arn:
      description: The caller's ARN.
      type: str
    user_id:
      description: The caller's unique id.
      type: str
    region:
      description: The region the module was given.
      type: str
    partition:
      description: The region's partition.
      type: str
    dns_suffix:
      description: The partition's DNS suffix.
      type: str
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Always empty here, a read-only module.
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: []
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
    - Always empty here, a read-only module.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSResource, aws_answers, call

DNS_SUFFIX = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class CallerInfo(AWSResource):
    resource = "caller"
    service = "sts"

    def run(self):  # read-only: nothing reconciled, no state
        with aws_answers(self.params):
            identity = call("read", "the caller identity", self.client.get_caller_identity)
            partition = partition_of(self.params["region"])
            caller = dict(account=identity["Account"], arn=identity["Arn"], user_id=identity["UserId"],
                          region=self.params["region"], partition=partition, dns_suffix=DNS_SUFFIX[partition])
        # also at the top level, where the aws_zenml role and users read account, partition, ...
        self.returns.update(caller)
        return caller


def main():
    CallerInfo.main()


if __name__ == "__main__":
    main()
