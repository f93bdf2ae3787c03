import type Handlebars from 'handlebars';

/**
 * The built-in templates, compiled at build time and keyed by the sha1 of their text, so that
 * rendering them loads only Handlebars' runtime. Running from source this table is empty and
 * every template is compiled when first used; scripts/build.mjs puts the real one in dist/.
 */
const precompiled: Record<string, TemplateSpecification> = {};

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

export default precompiled;
