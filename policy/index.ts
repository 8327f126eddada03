// CrossGuard policy pack: `pulumi preview --policy-pack policy` (see README).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("jaeger-spm", { policies });
