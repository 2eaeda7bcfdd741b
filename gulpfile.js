const path = require('path');
const { task, src, dest } = require('gulp');

// Copies the SVG/PNG icons next to the compiled nodes and credentials in dist/.
function copyIcons() {
	const nodeSource = path.resolve('nodes', '**', '*.{png,svg}');
	const nodeDestination = path.resolve('dist', 'nodes');
	src(nodeSource).pipe(dest(nodeDestination));

	const iconSource = path.resolve('icons', '**', '*.{png,svg}');
	const iconDestination = path.resolve('dist', 'icons');
	src(iconSource).pipe(dest(iconDestination));

	const credSource = path.resolve('credentials', '**', '*.{png,svg}');
	const credDestination = path.resolve('dist', 'credentials');
	return src(credSource).pipe(dest(credDestination));
}

task('build:icons', copyIcons);
